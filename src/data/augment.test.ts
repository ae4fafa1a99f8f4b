import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch, cropBoxes, DEFAULT_AUGMENT, describeAugment, drawAugmentParams, NO_AUGMENT, type AugmentOptions } from './augment';
import { makeBatch, type Batch } from './batches';
import { ellipseDataset } from './shapes';

/**
 * ellipseDataset's background red is at most 0.25 + 0.15 + 0.025 = 0.425 and its ellipses' red at
 * least 0.6 * 0.85 = 0.51, so red > 0.47 IS the mask (checked on the input below).
 */
const RED_THRESHOLD = 0.47;
/** Share of pixels where the transformed mask must agree with the transformed image's red > threshold. */
const MIN_PAIR_AGREEMENT = 0.99;
/** Share of pixels where the mask must equal a JS nearest-neighbour reference (float32 ties at .5 may differ). */
const MIN_REFERENCE_AGREEMENT = 0.995;

const FLIP: AugmentOptions = { ...NO_AUGMENT, flip: true };
const COLOUR: AugmentOptions = { ...NO_AUGMENT, colour: true };
const SHIFT_SCALE: AugmentOptions = { ...NO_AUGMENT, shiftScale: true };

interface Arrays {
  x: Float32Array;
  y: Float32Array;
  shape: number[];
}

async function read(batch: Batch): Promise<Arrays> {
  return { x: (await batch.x.data()) as Float32Array, y: (await batch.y.data()) as Float32Array, shape: batch.x.shape };
}

function dispose(batch: Batch): void {
  tf.dispose([batch.x, batch.y]);
}

/** One image's slice of a [B, H, W, C] array. */
function image(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  return data.subarray(n * h * w * c, (n + 1) * h * w * c);
}

/** JS mirror (left-right) of one [H, W, C] image. */
function mirror(data: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let k = 0; k < c; k++) out[(i * w + j) * c + k] = data[(i * w + (w - 1 - j)) * c + k];
    }
  }
  return out;
}

function equal(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * For image n: the share of pixels where mask == (red > RED_THRESHOLD), and how many disagreeing
 * pixels are NOT on the mask's boundary (no 4-neighbour of the other class): bilinear vs nearest
 * may only differ at edges, so that count must be 0.
 */
function pairAgreement(a: Arrays, n: number): { agreement: number; offBoundary: number } {
  const [, h, w] = a.shape;
  const xs = image(a.x, n, h, w, 3);
  const ys = image(a.y, n, h, w, 1);
  let agree = 0;
  let offBoundary = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const p = i * w + j;
      if (xs[p * 3] > RED_THRESHOLD === (ys[p] === 1)) {
        agree++;
        continue;
      }
      const neighbours = [
        [i - 1, j],
        [i + 1, j],
        [i, j - 1],
        [i, j + 1],
      ].filter(([r, c]) => r >= 0 && r < h && c >= 0 && c < w);
      if (!neighbours.some(([r, c]) => ys[r * w + c] !== ys[p])) offBoundary++;
    }
  }
  return { agreement: agree / (h * w), offBoundary };
}

let small: Batch; // 16 images, 24x32: flip and determinism
let large: Batch; // 4 images, 96x128: enough pixels that edge pixels stay well under 1%

beforeAll(() => {
  small = makeBatch(
    ellipseDataset(16, 24, 32, 7),
    Array.from({ length: 16 }, (_, i) => i),
  );
  large = makeBatch(ellipseDataset(4, 96, 128, 11), [0, 1, 2, 3]);
});

afterAll(() => {
  dispose(small);
  dispose(large);
});

describe('test data premise', () => {
  it('the ellipse masks are exactly red > threshold', async () => {
    for (const batch of [small, large]) {
      const a = await read(batch);
      for (let n = 0; n < a.shape[0]; n++) expect(pairAgreement(a, n).agreement).toBe(1);
    }
  });
});

describe('augmentBatch', () => {
  it('NO_AUGMENT returns the same values in new tensors the caller can dispose alone', async () => {
    const out = augmentBatch(small, NO_AUGMENT, 1);
    expect(out.x).not.toBe(small.x);
    expect(out.y).not.toBe(small.y);
    const [a, b] = [await read(out), await read(small)];
    expect(equal(a.x, b.x)).toBe(true);
    expect(equal(a.y, b.y)).toBe(true);
    dispose(out);
    expect(small.x.isDisposed || small.y.isDisposed).toBe(false);
    expect((await small.x.data()).length).toBe(16 * 24 * 32 * 3);
  });

  it('flip: each pair is either unchanged or exactly mirrored, image and mask alike; both occur', async () => {
    const out = augmentBatch(small, FLIP, 3);
    const [a, b] = [await read(out), await read(small)];
    dispose(out);
    const [count, h, w] = b.shape;
    const flips = drawAugmentParams(count, 3).map((p) => p.flip);
    const seen = new Set<boolean>();
    for (let n = 0; n < count; n++) {
      const xIn = image(b.x, n, h, w, 3);
      const yIn = image(b.y, n, h, w, 1);
      const xOut = image(a.x, n, h, w, 3);
      const yOut = image(a.y, n, h, w, 1);
      const same = equal(xOut, xIn);
      const mirrored = equal(xOut, mirror(xIn, h, w, 3));
      expect(same !== mirrored).toBe(true); // noisy ellipses are never symmetric, so exactly one holds
      expect(equal(yOut, mirrored ? mirror(yIn, h, w, 1) : yIn)).toBe(true);
      expect(mirrored).toBe(flips[n]);
      seen.add(mirrored);
    }
    expect(seen.size).toBe(2);
  });

  it.each([1, 2, 3, 4, 5])('shift/scale (seed %i): the pair still matches and something moved', async (seed) => {
    const out = augmentBatch(large, SHIFT_SCALE, seed);
    const [a, b] = [await read(out), await read(large)];
    dispose(out);
    expect(a.shape).toEqual(b.shape);
    for (let n = 0; n < a.shape[0]; n++) {
      const { agreement, offBoundary } = pairAgreement(a, n);
      expect(agreement).toBeGreaterThanOrEqual(MIN_PAIR_AGREEMENT);
      expect(offBoundary).toBe(0);
    }
    expect(a.y.every((v) => v === 0 || v === 1)).toBe(true);
    expect(equal(a.x, b.x)).toBe(false);
    expect(equal(a.y, b.y)).toBe(false);
  });

  it('shift/scale: the mask matches a JS nearest-neighbour crop, and uncovered pixels take the background colour', async () => {
    const seed = 2;
    const out = augmentBatch(large, SHIFT_SCALE, seed);
    const [a, b] = [await read(out), await read(large)];
    dispose(out);
    const [count, h, w] = b.shape;
    const boxes = cropBoxes(drawAugmentParams(count, seed));
    let uncovered = 0;
    for (let n = 0; n < count; n++) {
      const [y1, x1, y2, x2] = boxes[n];
      const xIn = image(b.x, n, h, w, 3);
      const yIn = image(b.y, n, h, w, 1);
      const xOut = image(a.x, n, h, w, 3);
      const yOut = image(a.y, n, h, w, 1);
      // Background mean per channel, computed here independently.
      const bg = [0, 0, 0];
      let bgCount = 0;
      for (let p = 0; p < h * w; p++) {
        if (yIn[p] === 0) {
          bgCount++;
          for (let c = 0; c < 3; c++) bg[c] += xIn[p * 3 + c];
        }
      }
      let agree = 0;
      for (let i = 0; i < h; i++) {
        const sy = y1 * (h - 1) + (i * (y2 - y1) * (h - 1)) / (h - 1);
        for (let j = 0; j < w; j++) {
          const sx = x1 * (w - 1) + (j * (x2 - x1) * (w - 1)) / (w - 1);
          const inside = sy >= 0 && sy <= h - 1 && sx >= 0 && sx <= w - 1;
          const expected = inside ? yIn[Math.round(sy) * w + Math.round(sx)] : 0;
          if (yOut[i * w + j] === expected) agree++;
          // Well outside (half a pixel of margin for float32 boxes): the fill colour.
          if (sy < -0.5 || sy > h - 0.5 || sx < -0.5 || sx > w - 0.5) {
            uncovered++;
            for (let c = 0; c < 3; c++) expect(xOut[(i * w + j) * 3 + c]).toBeCloseTo(bg[c] / bgCount, 5);
          }
        }
      }
      expect(agree / (h * w)).toBeGreaterThanOrEqual(MIN_REFERENCE_AGREEMENT);
    }
    expect(uncovered).toBeGreaterThan(0); // the seed must exercise the fill
  });

  it('colour: the mask is untouched, the image follows brightness/contrast and stays in [0, 1]', async () => {
    const seed = 5;
    const out = augmentBatch(small, COLOUR, seed);
    const [a, b] = [await read(out), await read(small)];
    dispose(out);
    expect(equal(a.y, b.y)).toBe(true);
    expect(equal(a.x, b.x)).toBe(false);
    const [count, h, w] = b.shape;
    const params = drawAugmentParams(count, seed);
    let maxError = 0;
    for (let n = 0; n < count; n++) {
      const xIn = image(b.x, n, h, w, 3);
      const xOut = image(a.x, n, h, w, 3);
      const mean = [0, 1, 2].map((c) => {
        let s = 0;
        for (let p = 0; p < h * w; p++) s += xIn[p * 3 + c];
        return s / (h * w);
      });
      const { brightness, contrast } = params[n];
      for (let p = 0; p < h * w * 3; p++) {
        const m = mean[p % 3];
        const expected = Math.min(1, Math.max(0, (xIn[p] - m) * contrast + m + brightness));
        maxError = Math.max(maxError, Math.abs(xOut[p] - expected));
      }
    }
    expect(maxError).toBeLessThan(1e-5);
    expect(Math.min(...a.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.x)).toBeLessThanOrEqual(1);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const [o1, o2, o3] = [augmentBatch(small, DEFAULT_AUGMENT, 42), augmentBatch(small, DEFAULT_AUGMENT, 42), augmentBatch(small, DEFAULT_AUGMENT, 43)];
    const [a1, a2, a3] = [await read(o1), await read(o2), await read(o3)];
    [o1, o2, o3].forEach(dispose);
    expect(equal(a1.x, a2.x)).toBe(true);
    expect(equal(a1.y, a2.y)).toBe(true);
    expect(equal(a1.x, a3.x)).toBe(false);
    expect(equal(a1.y, a3.y)).toBe(false);
  });

  it('leaks no tensor over 20 calls', () => {
    const before = tf.memory().numTensors;
    for (let seed = 0; seed < 20; seed++) dispose(augmentBatch(small, DEFAULT_AUGMENT, seed));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched shapes with a message naming them', () => {
    const bad = { x: small.x, y: tf.zeros([16, 24, 31, 1]) as tf.Tensor4D };
    expect(() => augmentBatch(bad, DEFAULT_AUGMENT, 1)).toThrow(/x \[16,24,32,3\] and y \[16,24,31,1\]/);
    bad.y.dispose();
  });
});

describe('cropBoxes', () => {
  it('centres a box 1/zoom the size of the image at 0.5 + shift (hand-computed)', () => {
    const base = { flip: false, brightness: 0, contrast: 1 };
    const boxes = cropBoxes([
      { ...base, zoom: 1, shiftY: 0, shiftX: 0 },
      { ...base, zoom: 2, shiftY: 0.1, shiftX: -0.05 }, // magnified: half-size 0.25
      { ...base, zoom: 0.8, shiftY: 0, shiftX: 0 }, // shrunk: half-size 0.625, reaches outside
    ]);
    const expected = [
      [0, 0, 1, 1],
      [0.35, 0.2, 0.85, 0.7],
      [-0.125, -0.125, 1.125, 1.125],
    ];
    boxes.forEach((box, i) => box.forEach((v, k) => expect(v).toBeCloseTo(expected[i][k], 12)));
  });
});

describe('describeAugment', () => {
  it('lists the enabled transforms, or "none"', () => {
    expect(describeAugment(DEFAULT_AUGMENT)).toBe('flip, colour, shift/scale');
    expect(describeAugment(NO_AUGMENT)).toBe('none');
    expect(describeAugment(SHIFT_SCALE)).toBe('shift/scale');
  });
});
