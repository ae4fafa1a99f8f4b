"""On-the-fly augmentation as src/data/augment.ts: flip, shift/scale (a crop box), then brightness/contrast.

Same ranges and order; parameters come from a seeded numpy generator (not the studio's mulberry32
stream, so a seed gives the same kind of batch, not the same batch). The crop samples like tfjs's
cropAndResize (box corners on pixel centres: align_corners); grid_sample blends at the border where
cropAndResize takes the fill outright, a difference of at most one pixel's edge.
"""
import numpy as np
import torch
import torch.nn.functional as F

RANGES = {"flipProbability": 0.5, "brightness": (-0.1, 0.1), "contrast": (0.8, 1.2), "zoom": (0.9, 1.1), "shift": (-0.06, 0.06)}
DEFAULT_AUGMENT = {"flip": True, "colour": True, "shiftScale": True}


def draw_params(count, seed):
    """Per image: flip, brightness, contrast, zoom, shiftY, shiftX; all six drawn whatever the options."""
    rng = np.random.default_rng(seed)
    r = RANGES
    rows = []
    for _ in range(count):
        rows.append({
            "flip": rng.random() < r["flipProbability"],
            "brightness": rng.uniform(*r["brightness"]), "contrast": rng.uniform(*r["contrast"]),
            "zoom": rng.uniform(*r["zoom"]), "shiftY": rng.uniform(*r["shift"]), "shiftX": rng.uniform(*r["shift"]),
        })
    return rows


def _grid(params, height, width, device):
    """Sampling grid of each crop box [cy -+ 0.5/zoom, cx -+ 0.5/zoom] in grid_sample's align_corners coordinates."""
    grids = []
    for p in params:
        half = 0.5 / p["zoom"]
        cy, cx = 0.5 + p["shiftY"], 0.5 + p["shiftX"]
        ys = torch.linspace(2 * (cy - half) - 1, 2 * (cy + half) - 1, height, device=device)
        xs = torch.linspace(2 * (cx - half) - 1, 2 * (cx + half) - 1, width, device=device)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        grids.append(torch.stack([gx, gy], -1))
    return torch.stack(grids)


def _background(x, y):
    """Per image and channel mean of the background pixels (mask 0); the whole image's mean when all car."""
    background = 1 - y
    count = background.sum((2, 3), keepdim=True)
    mean_bg = (x * background).sum((2, 3), keepdim=True) / count.clamp(min=1)
    return torch.where(count > 0, mean_bg, x.mean((2, 3), keepdim=True))


def augment_batch(x, y, options, seed):
    """x [B, 3, H, W], y [B, 1, H, W] -> augmented copies; with every option off, the input values."""
    options = {**DEFAULT_AUGMENT, **(options or {})}
    b, _, h, w = x.shape
    params = draw_params(b, seed)
    if options["flip"]:
        flags = torch.tensor([p["flip"] for p in params], device=x.device).view(b, 1, 1, 1)
        x, y = torch.where(flags, x.flip(3), x), torch.where(flags, y.flip(3), y)
    if options["shiftScale"]:
        grid = _grid(params, h, w, x.device).to(x.dtype)
        fill = _background(x, y)
        x = F.grid_sample(x - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=True) + fill
        y = F.grid_sample(y, grid, mode="nearest", padding_mode="zeros", align_corners=True)
    if options["colour"]:
        brightness = torch.tensor([p["brightness"] for p in params], device=x.device, dtype=x.dtype).view(b, 1, 1, 1)
        contrast = torch.tensor([p["contrast"] for p in params], device=x.device, dtype=x.dtype).view(b, 1, 1, 1)
        mean = x.mean((2, 3), keepdim=True)
        x = ((x - mean) * contrast + mean + brightness).clamp(0, 1)
    return x, y
