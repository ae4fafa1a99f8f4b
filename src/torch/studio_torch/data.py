"""Decoding, resizing and binarising as the studio does, and the studio's split by car ids (never re-drawn).

Resize: PIL's BOX filter (an area average over the covered source pixels), our stand-in for the browser's
createImageBitmap(resizeQuality 'high'); masks are resized the same way, then binarised by masks.ts's rule
(alpha mode when some pixel is at most half opaque, else max(R, G, B) > 127; a 0/1 label mask reads 1 as car).
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from .pairing import list_files, pair_files

RESAMPLE = Image.Resampling.BOX
SPLITS = ("train", "val", "test")


class DataError(ValueError):
    """Data that does not fit the run (a listed car with no files, an unreadable image)."""


def decode_image(path, height, width):
    """[H, W, 3] uint8, resized."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB").resize((width, height), RESAMPLE), dtype=np.uint8)


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
        return binarise_mask(np.asarray(im.convert("RGBA").resize((width, height), RESAMPLE), dtype=np.uint8))


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
