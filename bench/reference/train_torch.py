#!/usr/bin/env python3
"""The studio's models in PyTorch on the CPU: the peer figure for `npm run bench -- --peer`.

A thin entry over the one PyTorch mirror, src/torch/studio_torch (the same presets the DDP job trains;
parameter counts are printed and checked by the bench): Adam, hybrid loss 0.2 BCE-with-logits +
0.8 (1 - soft Dice, smooth 1, per image), on random data. Prints one JSON object on stdout.

    python3 bench/reference/train_torch.py [--sizes 64x96,128x192] [--batch 4] [--presets tiny,transunet,seed-unet16]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "torch"))

import torch  # noqa: E402

from studio_torch.bench import blas_library, measure  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="tiny,transunet,seed-unet16")
    parser.add_argument("--sizes", default="64x96,128x192")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--budget", type=float, default=60, help="seconds per measurement before it stops early")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    results = []
    for preset in args.presets.split(","):
        for size in args.sizes.split(","):
            h, w = (int(v) for v in size.split("x"))
            results.append(measure(preset, h, w, args.batch, args.warmup, args.steps, args.budget))
            print(f"torch {preset} {h}x{w}: {results[-1]['msPerStep']:.0f} ms/step", file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library(), "results": results}))


if __name__ == "__main__":
    main()
