"""Decoding, resizing and binarising as the studio does, and the studio's split by car ids (never re-drawn).

Resize: `resize_cubic`, what the studio's decoder does (src/data/decode.ts: Chromium's createImageBitmap with
resizeQuality 'high', a Catmull-Rom sample at each output pixel's centre, no area averaging); masks are resized the
same way, then binarised by masks.ts's rule (alpha mode when some pixel is at most half opaque, else
max(R, G, B) > 127; a 0/1 label mask reads 1 as car).
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from .pairing import list_files, pair_files

SPLITS = ("train", "val", "test")


class DataError(ValueError):
    """Data that does not fit the run (a listed car with no files, an unreadable image)."""


def cubic_taps(n_in, n_out):
    """Source indices [n_out, 4] (edges clamped) and Catmull-Rom weights [n_out, 4] for one axis.

    Output pixel d samples the source at s = (d + 0.5) * n_in / n_out - 0.5 (pixel centres) with the
    cubic convolution kernel of a = -0.5 over the 4 nearest source pixels, whatever the scale (no widening
    of the kernel when downscaling, so no area averaging)."""
    s = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    i0 = np.floor(s)
    t = (s - i0)[:, None]
    weights = np.concatenate([
        ((-0.5 * t + 1.0) * t - 0.5) * t,          # x = 1 + t
        (1.5 * t - 2.5) * t * t + 1.0,              # x = t
        ((-1.5 * t + 2.0) * t + 0.5) * t,           # x = 1 - t
        (0.5 * t - 0.5) * t * t,                    # x = 2 - t
    ], axis=1)
    index = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return index, weights


def resize_cubic(pixels, height, width):
    """[h, w, C] uint8 -> [height, width, C] uint8, as the studio's decoder resizes.

    Why not PIL: the studio decodes with createImageBitmap(blob, {resizeWidth, resizeHeight, resizeQuality:
    'high'}) (src/data/decode.ts), which in Chromium is a separable Catmull-Rom (cubic, a = -0.5) sample at
    each output pixel's centre, edges clamped, with no area averaging (fitted kernel -1/16, 9/16, 9/16, -1/16
    per axis at 2x). PIL's BOX was 4.2 grey levels off on average at 4x (up to 131 on the car) and moved the
    test Dice by up to 0.01 against the studio's; this resize matches Chromium's within 1 grey level
    (rounding), see tests/test_resize.py. Each channel on its own (straight, not premultiplied, alpha, as
    decode.ts asks for premultiplyAlpha 'none'); rounded (halves up) and clipped to 0..255 like a canvas."""
    h, w = pixels.shape[:2]
    rows, wy = cubic_taps(h, height)
    cols, wx = cubic_taps(w, width)
    # Rows first (4 gathered rows each), then columns, float32 with no rounding between: a few ms for a
    # 1918x1280 photo. float32 and halves rounding up (floor(x + 0.5)) leave the fewest 1-level differences
    # against Chromium (64 of 18432 values on a 512x512 photo at 96x64, against 212 with float64 and rint,
    # and none on the masks, where float64 lands some 127.5s on the other side of the > 127 threshold).
    tmp = np.einsum("ok,okwc->owc", wy.astype(np.float32), pixels[rows].astype(np.float32))
    out = np.einsum("ok,hokc->hoc", wx.astype(np.float32), tmp[:, cols])
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def decode_image(path, height, width):
    """[H, W, 3] uint8, resized."""
    with Image.open(path) as im:
        return resize_cubic(np.asarray(im.convert("RGB"), dtype=np.uint8), height, width)


def binarise_mask(rgba):
    """masks.ts binariseMask on a resized [H, W, 4] uint8 array -> [H, W] uint8 {0, 1}."""
    alpha = rgba[..., 3]
    if (alpha <= 127).any():
        return (alpha > 127).astype(np.uint8)
    value = rgba[..., :3].max(axis=-1)
    if value.max() == 1:
        return (value >= 1).astype(np.uint8)
    return (value > 127).astype(np.uint8)


def decode_mask(path, height, width):
    """[H, W] uint8 {0, 1}."""
    with Image.open(path) as im:
        return binarise_mask(resize_cubic(np.asarray(im.convert("RGBA"), dtype=np.uint8), height, width))


def split_pairs(root, split):
    """The pairs of each split by studio.json's car ids; cars in no list are ignored; a listed car with no files is an error."""
    pairs = pair_files(list_files(root))
    by_group = {}
    for pair in pairs:
        by_group.setdefault(pair["group"], []).append(pair)
    out = {}
    for name in SPLITS:
        groups = split.get(name, {}).get("groups", [])
        missing = [g for g in groups if g not in by_group]
        if missing:
            raise DataError(f"{root}: the run's {name} split lists car {missing[0]}, which has no image/mask pair there"
                            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        out[name] = [p for g in sorted(groups) for p in by_group[g]]
    return out


class SplitData:
    """One split held once as uint8 ([N, H, W, 3] images, [N, H, W] masks); batches become float tensors."""

    def __init__(self, root, pairs, height, width, workers=None):
        self.pairs = pairs
        n = len(pairs)
        self.images = np.zeros((n, height, width, 3), np.uint8)
        self.masks = np.zeros((n, height, width), np.uint8)

        def load(i):
            pair = pairs[i]
            try:
                self.images[i] = decode_image(os.path.join(root, pair["image"]), height, width)
                self.masks[i] = decode_mask(os.path.join(root, pair["mask"]), height, width)
            except OSError as error:
                raise DataError(f"{pair['image']}: could not decode it ({error})") from error

        with ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(load, range(n)))

    def __len__(self):
        return len(self.pairs)

    def batch(self, indices, device="cpu"):
        """x [B, 3, H, W] in [0, 1] (uint8 / 255, as batches.ts), y [B, 1, H, W] in {0, 1}."""
        idx = np.asarray(indices)
        x = torch.from_numpy(self.images[idx]).to(device).permute(0, 3, 1, 2).float() / 255
        y = torch.from_numpy(self.masks[idx]).to(device).unsqueeze(1).float()
        return x, y


def load_splits(root, split, height, width, names=SPLITS):
    """SplitData for each named split."""
    pairs = split_pairs(root, split)
    return {name: SplitData(root, pairs[name], height, width) for name in names}
