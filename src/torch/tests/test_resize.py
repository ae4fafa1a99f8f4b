"""data.resize_cubic against hand-computed values and against pixels Chromium's decoder produced.

The studio resizes while decoding (src/data/decode.ts: createImageBitmap, resizeQuality 'high'); train.py must
see the same pixels or its test Dice drifts from the studio's. resize_fixture/ holds two small PNGs and
Chromium's resizes of them, made once by make_resize_fixture.py (chromium_decode.mjs, decode.ts's calls).
"""
import os
import unittest

import numpy as np
from PIL import Image

import fixtures  # noqa: F401  (puts studio_torch on the path)
from studio_torch.data import binarise_mask, cubic_taps, resize_cubic

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resize_fixture")


def row(values):
    """A 1-pixel-high, 1-channel image."""
    return np.asarray(values, np.uint8).reshape(1, -1, 1)


class HandComputed(unittest.TestCase):
    def test_taps_at_2x_are_catmull_rom_at_the_centre(self):
        # 4 -> 2: output 0 samples s = 0.5 (t = 1/2), taps -1 (clamped to 0), 0, 1, 2.
        index, weights = cubic_taps(4, 2)
        np.testing.assert_array_equal(index, [[0, 0, 1, 2], [1, 2, 3, 3]])  # output 1: s = 2.5, taps 1..4, 4 clamped to 3
        np.testing.assert_allclose(weights, [[-1 / 16, 9 / 16, 9 / 16, -1 / 16]] * 2, atol=1e-15)

    def test_taps_at_4x_and_at_a_quarter(self):
        # 8 -> 2: output 0 samples s = 1.5 (taps 0..3, t = 1/2); 5 -> 4: output 1 samples s = 1.375 (t = 3/8).
        index, weights = cubic_taps(8, 2)
        np.testing.assert_array_equal(index[0], [0, 1, 2, 3])
        t = 3 / 8
        expect = [-0.5 * t ** 3 + t ** 2 - 0.5 * t, 1.5 * t ** 3 - 2.5 * t ** 2 + 1,
                  -1.5 * t ** 3 + 2 * t ** 2 + 0.5 * t, 0.5 * t ** 3 - 0.5 * t ** 2]
        index, weights = cubic_taps(5, 4)
        np.testing.assert_array_equal(index[1], [0, 1, 2, 3])
        np.testing.assert_allclose(weights[1], expect, atol=1e-15)
        self.assertAlmostEqual(weights.sum(axis=1).max(), 1.0, places=12)

    def test_one_row_by_hand_with_halves_rounding_up(self):
        # [0, 16, 8, 8] -> 2: (-0 + 9*0 + 9*16 - 8) / 16 = 8.5 -> 9; (-16 + 9*8 + 9*8 - 8) / 16 = 7.5 -> 8
        # (the clamped edge repeats 8). Rounding half to even would give 8, 8.
        np.testing.assert_array_equal(resize_cubic(row([0, 16, 8, 8]), 1, 2).ravel(), [9, 8])
        # [0, 160, 0, 160] -> 2: 9*160/16 = 90; (-160 + 0 + 9*160 - 160) / 16 = 70.
        np.testing.assert_array_equal(resize_cubic(row([0, 160, 0, 160]), 1, 2).ravel(), [90, 70])

    def test_overshoot_is_clipped(self):
        # A step overshoots below 0 and above 255 with negative lobes: [0, 0, 255, 255, 255, 0, ...] at 2x.
        out = resize_cubic(row([255, 0, 0, 255, 255, 255, 0, 0]), 1, 4).ravel()
        # outputs sample s = 0.5, 2.5, 4.5, 6.5, by hand:
        # s=0.5: taps [255, 255, 0, 0] -> (-255 + 9*255 + 0 - 0)/16 = 127.5 -> 128
        # s=2.5: taps [0, 0, 255, 255] -> (0 + 0 + 9*255 - 255)/16 = 127.5 -> 128
        # s=4.5: taps [255, 255, 255, 0] -> (-255 + 9*255 + 9*255 - 0)/16 = 270.9 -> 255 (clipped)
        # s=6.5: taps [255, 0, 0, 0] -> -255/16 -> 0 (clipped)
        np.testing.assert_array_equal(out, [128, 128, 255, 0])

    def test_identity_and_channels_apart(self):
        rng = np.random.default_rng(1)
        pixels = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
        np.testing.assert_array_equal(resize_cubic(pixels, 7, 9), pixels)
        out = resize_cubic(pixels, 3, 4)
        for c in range(4):
            np.testing.assert_array_equal(out[..., c:c + 1], resize_cubic(pixels[..., c:c + 1], 3, 4))


class AgainstChromium(unittest.TestCase):
    """Chromium's pixels (decode.ts's createImageBitmap 'high'), captured once: within 1 grey level, nearly all exact."""

    def check(self, name, channels):
        source = np.asarray(Image.open(os.path.join(FIXTURE, name)).convert("RGBA"))
        for w, h in ((16, 12), (24, 20), (32, 24)):
            with self.subTest(name=name, size=f"{w}x{h}"):
                chromium = np.fromfile(os.path.join(FIXTURE, f"{name}.{w}x{h}.rgba"), np.uint8).reshape(h, w, 4)
                ours = resize_cubic(source, h, w)
                diff = np.abs(ours.astype(int) - chromium.astype(int))[..., channels]
                self.assertLessEqual(diff.max(), 1)
                self.assertLessEqual((diff > 0).mean(), 0.002)  # rounding of float sums only (measured: 2 of 3072)
                # PIL's BOX, the old stand-in, is far off: the fixture does tell the two apart.
                box = np.asarray(Image.fromarray(source).resize((w, h), Image.Resampling.BOX))
                self.assertGreater(np.abs(box.astype(int) - chromium.astype(int))[..., channels].max(), 10)

    def test_photo_colour(self):
        self.check("photo.png", slice(0, 3))

    def test_alpha_mask(self):
        self.check("alpha.png", slice(3, 4))
        source = np.asarray(Image.open(os.path.join(FIXTURE, "alpha.png")).convert("RGBA"))
        chromium = np.fromfile(os.path.join(FIXTURE, "alpha.png.24x20.rgba"), np.uint8).reshape(20, 24, 4)
        np.testing.assert_array_equal(binarise_mask(resize_cubic(source, 20, 24)), binarise_mask(chromium))

    def test_a_photo_at_full_carvana_size_is_quick(self):
        import time
        pixels = np.random.default_rng(0).integers(0, 256, (1280, 1918, 3), dtype=np.uint8)
        start = time.perf_counter()
        out = resize_cubic(pixels, 64, 96)
        self.assertEqual(out.shape, (64, 96, 3))
        self.assertLess(time.perf_counter() - start, 1.0)  # measured ~10 ms


if __name__ == "__main__":
    unittest.main()
