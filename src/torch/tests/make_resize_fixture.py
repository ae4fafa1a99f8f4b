"""Makes resize_fixture/: a small synthetic PNG and Chromium's resizes of it, for test_resize.py.

    /usr/bin/python3 src/torch/tests/make_resize_fixture.py     # needs node, @playwright/test and /usr/bin/chromium

Two 64x48 PNGs (lossless, so no JPEG decoder differs): photo.png, opaque, with a ramp, a checkerboard's hard
edges and noise; alpha.png, black with a hard-edged disc in the alpha channel (as an alpha-mode mask; a canvas
keeps no colour under alpha 0, so colour and alpha are tested apart). chromium_decode.mjs resizes it as src/data/decode.ts does (createImageBitmap,
resizeQuality 'high') to 16x12 (4x), 24x20 (2.67x x 2.4x) and 32x24 (2x), written as raw RGBA bytes. Run once;
the outputs are checked in, so the Python tests need no browser.
"""
import os
import subprocess

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "resize_fixture")
SIZES = ((16, 12), (24, 20), (32, 24))  # width x height


def source():
    rng = np.random.default_rng(7)
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w]
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., 0] = (x * 4) % 256
    rgba[..., 1] = np.where((x // 8 + y // 8) % 2 == 0, 230, 20)
    rgba[..., 2] = rng.integers(0, 256, (h, w))
    rgba[..., 3] = 255
    alpha = np.zeros((h, w, 4), np.uint8)
    alpha[..., 3] = np.where((x - 30) ** 2 + (y - 22) ** 2 < 15 ** 2, 255, 0)
    return {"photo.png": rgba, "alpha.png": alpha}


def main():
    os.makedirs(OUT, exist_ok=True)
    pngs = []
    for name, rgba in source().items():
        pngs.append(os.path.join(OUT, name))
        Image.fromarray(rgba, "RGBA").save(pngs[-1])
    for w, h in SIZES:
        subprocess.run(["node", os.path.join(HERE, "chromium_decode.mjs"), OUT, f"{w}x{h}", *pngs], check=True)


if __name__ == "__main__":
    main()
