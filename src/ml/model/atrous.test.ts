import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AtrousConv2D, atrousConv2d, atrousPaddings } from './atrous';

function maxAbsDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('atrous padding rule', () => {
  it('pads by rate and crops the extra that makes the side divisible', () => {
    expect(atrousPaddings(8, 3, 2)).toEqual({ pad: [2, 2], crop: [0, 0] });
    expect(atrousPaddings(7, 3, 2)).toEqual({ pad: [2, 3], crop: [0, 1] });
    expect(atrousPaddings(10, 3, 3)).toEqual({ pad: [3, 5], crop: [0, 2] });
  });
});

describe('atrousConv2d forward', () => {
  // Shapes that exercise even, odd and non-divisible sides, rates 2 and 3, batch > 1.
  const cases: Array<[number[], number]> = [
    [[2, 8, 12, 3], 2],
    [[1, 7, 9, 2], 2],
    [[3, 10, 11, 4], 3],
  ];
  it.each(cases)('equals tf.conv2d with dilations for input %j at rate %i (within 1e-5)', async (shape, rate) => {
    const [x, w] = [tf.randomNormal(shape, 0, 1, 'float32', 1), tf.randomNormal([3, 3, shape[3], 5], 0, 1, 'float32', 2)];
    const ours = atrousConv2d(x as tf.Tensor4D, w as tf.Tensor4D, rate);
    const reference = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', rate);
    expect(ours.shape).toEqual(reference.shape);
    expect(maxAbsDiff(await ours.data(), await reference.data())).toBeLessThan(1e-5);
    tf.dispose([x, w, ours, reference]);
  });
});

describe('atrousConv2d gradients', () => {
  // L = 0.5 * sum(conv(x, w)^2) is quadratic in each of x and w, so central differences are exact
  // up to float32 rounding; compare the whole sampled gradient by relative norm.
  function loss(x: tf.Tensor, w: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(atrousConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2)))) as tf.Scalar);
  }

  async function centralDifferences(which: 'x' | 'w', x: tf.Tensor, w: tf.Tensor, indices: number[], eps: number) {
    const base = await (which === 'x' ? x : w).data();
    const out: number[] = [];
    for (const i of indices) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += eps;
      minus[i] -= eps;
      const shape = (which === 'x' ? x : w).shape;
      const lp = tf.tidy(() => loss(which === 'x' ? tf.tensor(plus, shape) : x, which === 'w' ? tf.tensor(plus, shape) : w));
      const lm = tf.tidy(() => loss(which === 'x' ? tf.tensor(minus, shape) : x, which === 'w' ? tf.tensor(minus, shape) : w));
      out.push(((await lp.data())[0] - (await lm.data())[0]) / (2 * eps));
      tf.dispose([lp, lm]);
    }
    return out;
  }

  it('match central finite differences within 1e-3 relative, for the input and the filter', async () => {
    const x = tf.randomNormal([2, 7, 8, 2], 0, 1, 'float32', 3);
    const w = tf.randomNormal([3, 3, 2, 3], 0, 0.5, 'float32', 4);
    const [dx, dw] = tf.grads((input: tf.Tensor, filter: tf.Tensor) => loss(input, filter))([x, w]);
    const analytic = { x: await dx.data(), w: await dw.data() };

    for (const which of ['x', 'w'] as const) {
      const size = analytic[which].length;
      const indices = Array.from({ length: 24 }, (_, k) => Math.floor((k * size) / 24));
      const numeric = await centralDifferences(which, x, w, indices, 1e-2);
      const exact = indices.map((i) => analytic[which][i]);
      const error = Math.hypot(...exact.map((g, k) => g - numeric[k])) / Math.hypot(...numeric);
      expect(error).toBeLessThan(1e-3);
    }
    tf.dispose([x, w, dx, dw]);
  });

  it('as a layer, keeps the spatial size and adds its bias, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const layer = new AtrousConv2D({ filters: 4, rate: 2 });
    const x = tf.ones([1, 16, 16, 3]);
    const bias = tf.tensor1d([1, 2, 3, 4]);
    const made: tf.Tensor[] = [x, bias];
    try {
      made.push(layer.apply(x) as tf.Tensor); // builds the weights
      const [kernel] = layer.getWeights();
      layer.setWeights([kernel, bias]); // copies into the layer's variables
      const y = layer.apply(x) as tf.Tensor;
      made.push(y);
      const reference = tf.tidy(() => tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same', 'NHWC', 2), [1, 2, 3, 4]));
      made.push(reference);
      expect(y.shape).toEqual([1, 16, 16, 4]);
      expect(maxAbsDiff(await y.data(), await reference.data())).toBeLessThan(1e-5);
    } finally {
      tf.dispose(made);
      layer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
