#!/usr/bin/env python3
"""The studio's models in PyTorch on the CPU: the peer figure for `npm run bench -- --peer`.

Same architectures as src/ml/model/*.ts (parameter counts are printed and checked by the bench),
same step: Adam, hybrid loss 0.2 BCE-with-logits + 0.8 (1 - soft Dice, smooth 1, per image),
on random data. Prints one JSON object on stdout.

    python3 bench/reference/train_torch.py [--sizes 64x96,128x192] [--batch 4] [--presets tiny,transunet,seed-unet16]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# base, dilation of the first conv, transformer (d_model, depth, heads, mlp ratio) or None: presets.ts
PRESETS = {
    "seed-unet": (64, 2, None),
    # The bench's narrow seed-unet (bench/models.ts): the seed's architecture at base 16.
    "seed-unet16": (16, 2, None),
    "unet": (64, 1, None),
    "transunet": (16, 2, (128, 4, 4, 4)),
    "tiny": (4, 2, (16, 1, 2, 4)),
}


class DoubleConv(nn.Module):
    """(3x3 conv with bias -> BatchNorm -> ReLU) x 2; the first conv may be dilated ('same' padding)."""

    def __init__(self, cin, cout, mid=None, rate=1):
        super().__init__()
        mid = mid or cout
        # A dilated 3x3 conv with padding = rate is TensorFlow's atrous_conv2d with 'same' padding.
        self.net = nn.Sequential(
            nn.Conv2d(cin, mid, 3, padding=rate, dilation=rate), nn.BatchNorm2d(mid, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.net(x)


class Up(nn.Module):
    """Bilinear x2 (align corners), concat [skip, up], double conv with mid = in / 2."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = DoubleConv(cin, cout, cin // 2)

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        return self.conv(torch.cat([skip, x], dim=1))


class Block(nn.Module):
    """Pre-norm encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)) with exact GELU."""

    def __init__(self, d, heads, ratio):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp1, self.mlp2 = nn.Linear(d, d * ratio), nn.Linear(d * ratio, d)

    def forward(self, x):
        b, n, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        attended = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1) @ v
        x = x + self.out(attended.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp2(F.gelu(self.mlp1(self.ln2(x))))


class Bottleneck(nn.Module):
    """ViT on the 1/16 map: linear projection, learned position embeddings, blocks, LN, projection back."""

    def __init__(self, channels, tokens, d, depth, heads, ratio):
        super().__init__()
        self.embed = nn.Linear(channels, d)
        self.position = nn.Parameter(torch.randn(tokens, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads, ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.project = nn.Linear(d, channels)

    def forward(self, x):
        b, c, h, w = x.shape
        tokens = self.embed(x.flatten(2).transpose(1, 2)) + self.position
        tokens = self.project(self.norm(self.blocks(tokens)))
        return tokens.transpose(1, 2).reshape(b, c, h, w)


class Net(nn.Module):
    def __init__(self, preset, height, width):
        super().__init__()
        b, rate, vit = PRESETS[preset]
        self.inc = DoubleConv(3, b, b, rate)
        self.downs = nn.ModuleList([DoubleConv(cin, cout) for cin, cout in [(b, 2 * b), (2 * b, 4 * b), (4 * b, 8 * b), (8 * b, 8 * b)]])
        self.vit = Bottleneck(8 * b, (height // 16) * (width // 16), *vit) if vit else None
        self.ups = nn.ModuleList([Up(16 * b, 4 * b), Up(8 * b, 2 * b), Up(4 * b, b), Up(2 * b, b)])
        self.logits = nn.Conv2d(b, 1, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(F.max_pool2d(skips[-1], 2)))
        y = skips.pop()
        if self.vit is not None:
            y = self.vit(y)
        for up in self.ups:
            y = up(y, skips.pop())
        return self.logits(y)


def hybrid_loss(logits, targets, w_bce=0.2, w_dice=0.8, smooth=1.0):
    bce = F.binary_cross_entropy_with_logits(logits, targets)
    probs = torch.sigmoid(logits).flatten(1)
    truth = targets.flatten(1)
    dice = ((2 * (probs * truth).sum(1) + smooth) / (probs.sum(1) + truth.sum(1) + smooth)).mean()
    return w_bce * bce + w_dice * (1 - dice)


def measure(preset, height, width, batch, warmup, steps, budget):
    torch.manual_seed(1)
    model = Net(preset, height, width).train()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 3, height, width)
    y = (torch.rand(batch, 1, height, width) > 0.5).float()
    times = []
    started = time.perf_counter()
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = hybrid_loss(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        if step >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > budget and times:
            break
    return {
        "preset": preset, "size": [height, width], "batch": batch, "params": params,
        "msPerStep": statistics.median(times), "steps": len(times), "imagesPerSecond": batch * 1000 / statistics.median(times),
    }


def blas_library():
    """The BLAS behind torch's matmuls. Debian's torch is built with BLAS_INFO=generic and calls
    whatever libblas.so.3 the alternatives system points at: netlib's reference BLAS unless an
    optimised one (apt-get install libopenblas0-pthread) is installed, which makes the transformer's
    linear layers several times slower. Convolutions go through oneDNN either way."""
    for path in ("/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"):
        if os.path.exists(path):
            return os.path.realpath(path)
    return "unknown"


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
