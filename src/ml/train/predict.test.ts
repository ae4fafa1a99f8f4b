import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictRgba, probabilityTensor } from './predict';

const [H, W] = [4, 6];

/** One 3x3 conv whose kernel weighs the left column against the right: mirroring the input changes its output. */
function asymmetricModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [H, W, 3], filters: 1, kernelSize: 3, padding: 'same', useBias: true })] });
  const kernel = new Float32Array(3 * 3 * 3);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let ch = 0; ch < 3; ch++) kernel[(r * 3 + c) * 3 + ch] = (c - 1) * 2.5 + r * 0.3 + ch * 0.1 + (c === 2 ? 1.7 : 0);
  model.setWeights([tf.tensor4d(kernel, [3, 3, 3, 1]), tf.tensor1d([-0.4])]);
  return model;
}

/** An RGBA image with a left-right ramp and a seeded wiggle, so it is not its own mirror. */
function asymmetricRgba(): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(H * W * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 4;
      rgba[p] = 20 + x * 40;
      rgba[p + 1] = (x * 71 + y * 37) % 255;
      rgba[p + 2] = 255 - x * 30 - y * 10;
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

/** The same input as predictRgba builds, done by hand in plain arrays: RGB / 255, [1, H, W, 3]. */
function inputOf(rgba: Uint8ClampedArray): tf.Tensor4D {
  const rgb = new Float32Array(H * W * 3);
  for (let p = 0; p < H * W; p++) for (let ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = rgba[p * 4 + ch] / 255;
  return tf.tensor4d(rgb, [1, H, W, 3]);
}

/** Mirrors an [H * W] map left-right, in plain arrays (not tf.reverse, which the code under test uses). */
function mirrorMap(values: Float32Array | Int32Array | Uint8Array): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(values[y * W + (W - 1 - x)]);
  return out;
}

async function sigmoidOf(model: tf.LayersModel, input: tf.Tensor4D): Promise<Float32Array> {
  const logits = model.predict(input) as tf.Tensor;
  try {
    return Float32Array.from(await logits.data(), (v) => 1 / (1 + Math.exp(-v)));
  } finally {
    logits.dispose();
  }
}

describe('flip test-time augmentation', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('is the mean of p(x) and mirror(p(mirror(x))), each computed on its own', async () => {
    const model = asymmetricModel();
    const rgba = asymmetricRgba();
    const input = inputOf(rgba);
    const mirroredRgba = new Uint8ClampedArray(rgba.length);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mirroredRgba.set(rgba.subarray((y * W + W - 1 - x) * 4, (y * W + W - x) * 4), (y * W + x) * 4);
    const mirroredInput = inputOf(mirroredRgba);
    const before = tf.memory().numTensors;
    try {
      const direct = await sigmoidOf(model, input);
      const backOfMirror = mirrorMap(await sigmoidOf(model, mirroredInput));
      const expected = direct.map((p, i) => (p + backOfMirror[i]) / 2);

      const tta = probabilityTensor(model, input, true);
      const plain = probabilityTensor(model, input, false);
      const [got, gotPlain] = [await tta.data(), await plain.data()];
      tf.dispose([tta, plain]);
      expect(got).toHaveLength(H * W);
      for (let i = 0; i < H * W; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(1e-6);
      for (let i = 0; i < H * W; i++) expect(Math.abs(gotPlain[i] - direct[i])).toBeLessThanOrEqual(1e-6);
      // The model is asymmetric: TTA must change the map, by more than rounding noise somewhere.
      const largestChange = Math.max(...Array.from(got, (v, i) => Math.abs(v - gotPlain[i])));
      expect(largestChange).toBeGreaterThan(0.05);

      // The bytes the page gets are round(255 * p) of the same maps (0.5 for rounding, 1e-4 for float32).
      const bytesTta = await predictRgba(model, rgba, H, W, true);
      const bytesPlain = await predictRgba(model, rgba, H, W, false);
      for (let i = 0; i < H * W; i++) {
        expect(Math.abs(bytesTta[i] - 255 * expected[i])).toBeLessThanOrEqual(0.5 + 1e-4);
        expect(Math.abs(bytesPlain[i] - 255 * direct[i])).toBeLessThanOrEqual(0.5 + 1e-4);
      }
      expect(Array.from(bytesTta)).not.toEqual(Array.from(bytesPlain));
      expect(tf.memory().numTensors).toBe(before); // nothing leaked by the code under test
    } finally {
      tf.dispose([input, mirroredInput]);
      model.dispose();
    }
  });

  it('leaves a left-right symmetric model on a symmetric image unchanged', async () => {
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [H, W, 3], filters: 1, kernelSize: 1, useBias: false, kernelInitializer: 'ones' })],
    });
    const rgba = new Uint8ClampedArray(H * W * 4);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgba.fill(Math.min(x, W - 1 - x) * 50, (y * W + x) * 4, (y * W + x) * 4 + 4);
    try {
      expect(Array.from(await predictRgba(model, rgba, H, W, true))).toEqual(Array.from(await predictRgba(model, rgba, H, W, false)));
    } finally {
      model.dispose();
    }
  });
});
