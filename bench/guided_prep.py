"""Decodes photos and masks of chosen cars for bench/guided-search.ts: full-size RGB (.rgb), full-size
0/1 masks (.mask, > 127 as the studio binarises) and the photo at the model's size (.small) resized
as the studio's decoder does (studio_torch.data.resize_cubic: Chromium's within 1 grey level).

  /usr/bin/python3 bench/guided_prep.py --data DIR --cars A,B,C --size HxW --out FRAMES
"""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src", "torch"))
from studio_torch.data import resize_cubic  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--cars", required=True)
parser.add_argument("--size", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
height, width = (int(v) for v in args.size.split("x"))
cars = set(args.cars.split(","))
os.makedirs(args.out, exist_ok=True)
names = sorted(n[: -len(".jpg")] for n in os.listdir(os.path.join(args.data, "train")) if n.endswith(".jpg") and n.split("_")[0] in cars)
size = None
for name in names:
    rgb = np.asarray(Image.open(os.path.join(args.data, "train", f"{name}.jpg")).convert("RGB"), dtype=np.uint8)
    mask = np.asarray(Image.open(os.path.join(args.data, "train_masks", f"{name}_mask.gif")).convert("L"), dtype=np.uint8)
    if mask.shape != rgb.shape[:2]:
        sys.exit(f"{name}: mask {mask.shape} and photo {rgb.shape[:2]} differ in size")
    size = rgb.shape[:2]
    rgb.tofile(os.path.join(args.out, f"{name}.rgb"))
    (mask > 127).astype(np.uint8).tofile(os.path.join(args.out, f"{name}.mask"))
    resize_cubic(rgb, height, width).tofile(os.path.join(args.out, f"{name}.small"))
with open(os.path.join(args.out, "index.json"), "w") as f:
    json.dump({"names": names, "height": size[0], "width": size[1]}, f)
print(f"{len(names)} photos of {len(cars)} cars, {size[1]}x{size[0]}, at {width}x{height} for the model -> {args.out}")
