#!/usr/bin/env python3
"""Continues a studio run on PyTorch (DDP under torchrun), or scores weights on the run's test split.

    torchrun --nproc_per_node N JOBDIR/train.py --data DIR --epochs E --out RUN [--resume]
    python3 JOBDIR/train.py --eval DIR --weights RUN/model.safetensors

The run starts from JOBDIR/studio.json and JOBDIR/model.safetensors (--run, --weights to point elsewhere);
RUN receives model.safetensors, studio.json (history extended, origin "torch"), history.csv and
checkpoint.pt every epoch. Debian's torchrun (torch 1.13, Python 3.11) needs `--redirects 1 --tee 1`.
Exit 2: a studio.json, weights file or data folder that does not fit the run (the message names it).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from studio_torch.data import DataError  # noqa: E402
from studio_torch.job import evaluate_weights, train  # noqa: E402
from studio_torch.safetensors_io import SafetensorsError  # noqa: E402
from studio_torch.studio_json import RunFileError  # noqa: E402
from studio_torch.weights import WeightsError  # noqa: E402


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="the data folder (Kaggle train/ + train_masks/, or images/ + masks/)")
    p.add_argument("--epochs", type=int, default=1, help="epochs to add to the run's history")
    p.add_argument("--out", help="the folder that receives the continued run")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--run", help="the run's studio.json (default: beside --weights for --eval, else JOBDIR/studio.json)")
    p.add_argument("--weights", help="starting weights (default JOBDIR/model.safetensors) or, with --eval, the weights to score")
    p.add_argument("--eval", metavar="DIR", help="score --weights on the run's split of DIR and print one JSON line")
    p.add_argument("--split", default="test", choices=("train", "val", "test"), help="the split --eval scores")
    p.add_argument("--batch-size", type=int, help="images per process and step (default: the run's batchSize)")
    p.add_argument("--max-steps", type=int, help="at most this many steps an epoch (tests and timing)")
    p.add_argument("--cpu", action="store_true", help="stay on the CPU even where CUDA is available")
    args = p.parse_args(argv)
    if args.eval:
        if not args.weights:
            p.error("--eval needs --weights")
        args.run = args.run or os.path.join(os.path.dirname(os.path.abspath(args.weights)), "studio.json")
    else:
        if not args.data or not args.out:
            p.error("training needs --data and --out (or --eval DIR --weights FILE)")
        args.run = args.run or os.path.join(HERE, "studio.json")
        args.weights = args.weights or os.path.join(HERE, "model.safetensors")
    return args


def main(argv=None):
    args = parse(argv)
    try:
        if args.eval:
            evaluate_weights(args)
        else:
            train(args, log=lambda line: print(line, flush=True))
    except (RunFileError, WeightsError, SafetensorsError, DataError, FileNotFoundError) as error:
        print(f"train.py: {error}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
