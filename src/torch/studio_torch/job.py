"""A studio run continued on torch (train) or scored on its test split (eval); rank 0 alone writes."""
import copy
import json
import os
import sys

import torch

from . import ddp
from .data import load_splits
from .models import build_model, count_trainable
from .studio_json import history_to_csv, load_run, model_overrides, save_run
from .trainer import Trainer, evaluate
from .weights import load_optimizer, load_weights, save_optimizer, save_weights

CHECKPOINT = "checkpoint.pt"
OPTIMIZER_STATE = "optimizer.safetensors"


def _optimizer_name(run):
    return run["config"].get("optimizer", {}).get("name", "adam")


def _write_outputs(out, trainer, run):
    """model.safetensors, optimizer.safetensors, studio.json and history.csv, each written whole then renamed into place."""
    os.makedirs(out, exist_ok=True)
    meta = {"format": "carvana-studio-run", "preset": run["preset"], "height": str(run["height"]), "width": str(run["width"])}
    for name, write in (("model.safetensors", lambda p: save_weights(trainer.model, p, meta)),
                        (OPTIMIZER_STATE, lambda p: save_optimizer(trainer.optimizer, trainer.model, _optimizer_name(run), p)),
                        ("studio.json", lambda p: save_run(run, p))):
        if write(os.path.join(out, name + ".part")) is not False:
            os.replace(os.path.join(out, name + ".part"), os.path.join(out, name))
    with open(os.path.join(out, "history.csv"), "w", encoding="utf-8") as f:
        f.write(history_to_csv(run["history"]))


def train(args, log=print):
    """Continues the run to args.epochs torch epochs after the studio's; --resume picks up OUT/checkpoint.pt's history."""
    run = load_run(args.run)
    model = build_model(run["preset"], **model_overrides(run))
    resume = os.path.join(args.out, CHECKPOINT) if args.resume else None
    if resume and not os.path.exists(resume):
        raise FileNotFoundError(f"{resume}: no checkpoint to resume from")
    if not resume:
        load_weights(model, args.weights)
    data = load_splits(args.data, run["split"], int(run["height"]), int(run["width"]), ("train", "val"))
    d = ddp.setup(args.cpu)
    model = ddp.share_batchnorm(model, d)
    trainer = Trainer(model, run["config"], d, args.batch_size, args.max_steps)
    # The studio's optimizer state (beside the weights) continues here: Adam's moments do not restart.
    moments = os.path.join(os.path.dirname(os.path.abspath(args.weights)), OPTIMIZER_STATE)
    if not resume and os.path.exists(moments):
        load_optimizer(trainer.optimizer, trainer.model, _optimizer_name(run), moments)
    out_run = copy.deepcopy(run)
    studio_epochs = len(run["history"])
    target = studio_epochs + args.epochs
    if resume:
        state = torch.load(resume, map_location=d.device)
        trainer.load_state(state["trainer"])
        out_run = state["run"]
    if d.main:
        log(f"{run['preset']} {run['height']}x{run['width']}: {count_trainable(trainer.model):,} trainable parameters; "
            f"{len(data['train'])} train / {len(data['val'])} val pairs; {d.world} process(es), "
            f"{d.backend or 'no process group'}, {d.device}, batch {trainer.batch} per process")
    steps_per_epoch = -(-len(data["train"]) // (trainer.batch * d.world))
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    history = out_run["history"]
    phase = run["config"].get("smallFirst")
    if d.main and phase and (history[-1]["step"] if history else 0) < phase["steps"]:
        log(f"small images first (the studio's phase): {phase['height']}x{phase['width']} until step {phase['steps']}, "
            f"then {run['height']}x{run['width']}")
    # Cosine decays over the torch epochs: from the studio's last step to the last step of this job.
    studio_step = run["history"][-1]["step"] if run["history"] else 0
    total_steps = studio_step + (target - studio_epochs) * steps_per_epoch
    while len(history) < target:
        epoch = (history[-1]["epoch"] + 1) if history else 1
        step = history[-1]["step"] if history else 0
        loss, steps, images, seconds, lr = trainer.train_epoch(data["train"], epoch, step, total_steps, log)
        val = evaluate(trainer.model, data["val"], d, float(out_run["config"].get("threshold", 0.5)), out_run["config"].get("loss"))
        trainer.end_epoch(val["dice"])
        history.append({"epoch": epoch, "step": step + steps, "trainLoss": loss, "valLoss": val["loss"],
                        **{k: val[k] for k in ("dice", "iou", "precision", "recall", "accuracy")},
                        "learningRate": lr, "seconds": seconds, "imagesPerSecond": images / seconds if seconds else 0.0,
                        "origin": "torch"})
        out_run["config"]["epochs"] = len(history)
        if d.main:
            log(f"epoch {epoch}: train loss {loss:.4f}, val loss {val['loss']:.4f}, val dice {val['dice']:.4f}, "
                f"{seconds:.1f} s, {images / seconds:.1f} images/s")
            _write_outputs(args.out, trainer, out_run)
            torch.save({"trainer": trainer.state(), "run": out_run}, os.path.join(args.out, CHECKPOINT + ".part"))
            os.replace(os.path.join(args.out, CHECKPOINT + ".part"), os.path.join(args.out, CHECKPOINT))
    ddp.teardown(d)
    return out_run


def evaluate_weights(args):
    """One JSON line: the studio's per-image mean metrics on the test split of the run's split."""
    run = load_run(args.run)
    model = build_model(run["preset"], **model_overrides(run))
    load_weights(model, args.weights)
    data = load_splits(args.eval, run["split"], int(run["height"]), int(run["width"]), (args.split,))[args.split]
    d = ddp.Dist(device=torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu"))
    scores = evaluate(model.to(d.device), data, d, float(run["config"].get("threshold", 0.5)), run["config"].get("loss"))
    line = {"split": args.split, "pairs": scores["pairs"],
            **{k: scores[k] for k in ("dice", "iou", "precision", "recall", "accuracy")}, "loss": scores["loss"]}
    print(json.dumps(line))
    sys.stdout.flush()
    return line
