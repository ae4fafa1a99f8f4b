"""studio.json (the run the studio hands over and gets back) and history.csv, in the studio's formats."""
import json
import math
from decimal import Decimal

FORMAT, VERSION = "carvana-studio-run", 1
# src/ml/io/export.ts HISTORY_COLUMNS
HISTORY_COLUMNS = ("epoch", "step", "trainLoss", "valLoss", "dice", "iou", "precision", "recall", "accuracy",
                   "learningRate", "seconds", "imagesPerSecond")


class RunFileError(ValueError):
    """A studio.json this code cannot continue: names the file and what is wrong."""


def load_run(path):
    """The run, checked: format and version first, then the fields a job needs."""
    try:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise RunFileError(f"{path}: cannot read it as JSON ({error})") from error
    if not isinstance(run, dict) or run.get("format") != FORMAT or run.get("version") != VERSION:
        got = (run.get("format"), run.get("version")) if isinstance(run, dict) else type(run).__name__
        raise RunFileError(f"{path}: not a {FORMAT} version {VERSION} file (format/version {got})")
    for key in ("preset", "height", "width", "config", "split", "history"):
        if key not in run:
            raise RunFileError(f"{path}: field \"{key}\" is missing")
    for name in ("train", "val", "test"):
        groups = run["split"].get(name, {}).get("groups")
        if not isinstance(groups, list):
            raise RunFileError(f"{path}: split.{name}.groups is not a list of car ids")
    _check_small_first(path, run)
    return run


def _check_small_first(path, run):
    """smallFirst.ts checkSmallFirst: sides in multiples of 16, at most the run's, and whole steps."""
    phase = run["config"].get("smallFirst") if isinstance(run["config"], dict) else None
    if phase is None:
        return
    sides = [phase.get("height"), phase.get("width")] if isinstance(phase, dict) else []
    limits = (int(run["height"]), int(run["width"]))
    fits = len(sides) == 2 and all(isinstance(s, int) and 16 <= s <= most and s % 16 == 0 for s, most in zip(sides, limits))
    steps = phase.get("steps") if isinstance(phase, dict) else None
    if not fits or not isinstance(steps, int) or steps < 0:
        raise RunFileError(f"{path}: config.smallFirst {json.dumps(phase)} is not a phase this run can train: "
                           f"height and width in multiples of 16 up to {limits[0]}x{limits[1]}, and whole steps")


def model_overrides(run):
    """The build overrides of a run: its size and ModelConfig overrides (base, dilationRate, transformer)."""
    keys = ("base", "dilationRate", "transformer")
    # TrainConfig.base (the bench's narrow seed-unet) counts too when the model block does not say.
    overrides = {k: v for k, v in (run.get("config") or {}).items() if k == "base"}
    overrides.update({k: v for k, v in (run.get("model") or {}).items() if k in keys})
    return {"height": int(run["height"]), "width": int(run["width"]), **overrides}


def save_run(run, path):
    """Writes studio.json (UTF-8, indented, NaN as null since JSON has no NaN)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_nan_to_null(run), f, indent=2, ensure_ascii=False)
        f.write("\n")


def _nan_to_null(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_null(v) for v in value]
    return value


def js_number(value):
    """JavaScript's String(number) for a finite number (shortest round trip, JS's exponent rules)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    if float(value) == 0:
        return "0"
    sign, digits, exp = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digits))
    n = exp + len(digits)  # the decimal point sits after n digits
    out = ""
    if len(digits) <= n <= 21:
        out = digits + "0" * (n - len(digits))
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + digits
    else:
        e = n - 1
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        out = f"{mant}e{'+' if e > 0 else '-'}{abs(e)}"
    return ("-" if sign else "") + out


def history_to_csv(history):
    """export.ts historyToCsv: a header, one row an epoch, non-finite values left empty."""
    def cell(v):
        return js_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else ""

    rows = [",".join(cell(record.get(c)) for c in HISTORY_COLUMNS) for record in history]
    return "\n".join([",".join(HISTORY_COLUMNS), *rows]) + "\n"
