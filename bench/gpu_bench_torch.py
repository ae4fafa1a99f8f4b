"""gpu-bench's PyTorch figure: the studio's training step (hybrid loss, Adam) and inference on CUDA, as JSON.

    python3 gpu_bench_torch.py --combos '[{"model": "tiny", "height": 128, "width": 192, "batch": 4}]'
                               [--warmup N] [--steps N] [--budget SECONDS] [--device cuda|cpu]

The models come from the repository's PyTorch mirror (src/torch/studio_torch), which the bundle carries
beside this file. Each step ends with loss.item(), which waits for the GPU as tfjs's `await data()` does.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# In a bundle studio_torch sits beside this file; in the repository it is in src/torch.
for candidate in (HERE, os.path.join(HERE, "..", "src", "torch")):
    if os.path.isdir(os.path.join(candidate, "studio_torch")):
        sys.path.insert(0, candidate)
        break

import torch  # noqa: E402

from studio_torch.loss import hybrid_loss  # noqa: E402
from studio_torch.models import build_model, count_trainable  # noqa: E402

INFERENCE_RUNS = 5


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(combo, device, warmup, steps, budget):
    """One model and size: first step, median ms of the timed steps, inference ms per image."""
    batch, height, width = combo["batch"], combo["height"], combo["width"]
    figure = {"model": combo["model"], "size": [height, width], "batch": batch, "params": None, "firstStepMs": None,
              "msPerStep": None, "imagesPerSecond": None, "steps": 0, "inferenceMsPerImage": None, "stepMs": [], "lastLoss": None}
    torch.manual_seed(1)
    model = build_model(combo["model"], height=height, width=width).to(device).train()
    figure["params"] = count_trainable(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 3, height, width, device=device)
    y = (torch.rand(batch, 1, height, width, device=device) > 0.5).float()
    try:
        def step():
            started = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            loss = hybrid_loss(model(x), y)
            loss.backward()
            optimizer.step()
            figure["lastLoss"] = loss.item()
            return (time.perf_counter() - started) * 1000

        figure["firstStepMs"] = step()
        figure["stepMs"].append(figure["firstStepMs"])
        budget_ends = time.perf_counter() + budget
        while len(figure["stepMs"]) < warmup + steps and time.perf_counter() < budget_ends:
            figure["stepMs"].append(step())
        timed = figure["stepMs"][warmup:]
        if not timed:
            figure["skipped"] = f"over the {budget} s budget (after the first step) before the {warmup} warm-up steps ended"
            return figure
        figure["steps"] = len(timed)
        figure["msPerStep"] = statistics.median(timed)
        figure["imagesPerSecond"] = batch * 1000 / figure["msPerStep"]

        model.eval()
        runs = []
        with torch.no_grad():
            for _ in range(1 + INFERENCE_RUNS):
                started = time.perf_counter()
                torch.sigmoid(model(x)).cpu()  # read back, as the studio's inference reads its maps
                runs.append((time.perf_counter() - started) * 1000)
        figure["inferenceMsPerImage"] = statistics.median(runs[1:]) / batch
        return figure
    except RuntimeError as error:  # CUDA's out of memory is a RuntimeError (OutOfMemoryError subclasses it)
        figure["skipped"] = f"failed: {str(error).splitlines()[0]}"
        return figure
    finally:
        del model, optimizer, x, y
        if device.type == "cuda":
            torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--combos", required=True, help='JSON list of {"model", "height", "width", "batch"}')
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = parser.parse_args()
    combos = json.loads(args.combos)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit(f"gpu_bench_torch: torch {torch.__version__} sees no CUDA device")
    device = torch.device(args.device)
    report = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "cuda": torch.version.cuda,
        # PyTorch's defaults, reported rather than changed: cuDNN convolutions may use TF32, matmuls not.
        "tf32": {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32},
        "warmup": args.warmup,
        "results": [],
    }
    for combo in combos:
        figure = measure(combo, device, args.warmup, args.steps, args.budget)
        report["results"].append(figure)
        print(f"torch {combo['model']} {combo['height']}x{combo['width']} batch {combo['batch']}: "
              f"{figure['msPerStep'] if figure['msPerStep'] is None else round(figure['msPerStep'], 1)} ms/step"
              f"{' (' + figure['skipped'] + ')' if 'skipped' in figure else ''}", file=sys.stderr, flush=True)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
