"""Test fixtures: a studio.json and starting weights for a preset, the way the studio hands a run over."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(TORCH_DIR))
SAMPLE = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "carvana512-sample"))
PYTHON = "/usr/bin/python3"
sys.path.insert(0, TORCH_DIR)

import torch  # noqa: E402

from studio_torch.models import build_model  # noqa: E402
from studio_torch.studio_json import save_run  # noqa: E402
from studio_torch.weights import save_weights  # noqa: E402

CARS = sorted({name.split("_")[0] for name in os.listdir(os.path.join(SAMPLE, "train"))}) if os.path.isdir(SAMPLE) else []
SMALL_SPLIT = {"ratios": {"train": 0.5, "val": 0.25, "test": 0.25}, "seed": 1,
               "train": {"groups": CARS[:2]}, "val": {"groups": CARS[2:3]}, "test": {"groups": CARS[3:4]}}

STUDIO_EPOCH = {"epoch": 1, "step": 8, "trainLoss": 0.61, "valLoss": 0.58, "dice": 0.42, "iou": 0.27, "precision": 0.35,
                "recall": 0.6, "accuracy": 0.7, "learningRate": 0.00001, "seconds": 12.0, "imagesPerSecond": 2.56, "origin": "studio"}


def make_run(folder, preset="tiny", height=32, width=48, split=None, augment=False, batch=4, seed=1, optimizer="adam", lr=1e-3):
    """Writes folder/studio.json (one studio epoch) and folder/model.safetensors (seeded init); returns the run."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    model = build_model(preset, height=height, width=width)
    save_weights(model, os.path.join(folder, "model.safetensors"))
    flags = {"flip": augment, "colour": augment, "shiftScale": augment}
    run = {
        "format": "carvana-studio-run", "version": 1, "preset": preset, "height": height, "width": width, "model": {},
        "config": {"preset": preset, "height": height, "width": width, "batchSize": batch, "epochs": 1,
                   "optimizer": {"name": optimizer, "learningRate": lr, "momentum": 0.9},
                   "loss": {"bce": 0.2, "dice": 0.8, "focal": 0, "focalGamma": 2}, "augment": flags,
                   "schedule": {"name": "constant", "minFactor": 0.01, "patience": 2, "factor": 0.5},
                   "earlyStoppingPatience": 0, "overlayEvery": 1, "overlayCount": 6, "threshold": 0.5, "seed": seed},
        "split": split or SMALL_SPLIT, "history": [dict(STUDIO_EPOCH)],
        "run": {"id": "test-run", "name": "test run"}, "source": {"job": "test"},
    }
    save_run(run, os.path.join(folder, "studio.json"))
    return run
