import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { referenceConv2DBackpropFilter } from './cpu-fixes';

describe('cpu ResizeBilinearGrad fix', () => {
  it('gives a non-square gradient the input shape and the values of the adjoint', async () => {
    // <resize(x), r> = <x, resize^T(r)>: the gradient of sum(resize(x) * r) is the adjoint applied to r.
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([1, 2, 3, 1], 0, 1, 'float32', 1);
    const r = tf.randomNormal([1, 4, 6, 1], 0, 1, 'float32', 2);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(input as tf.Tensor4D, [4, 6], true), r)))(x);
    expect(dx.shape).toEqual([1, 2, 3, 1]);
    // Independent check: build the resize matrix column by column from unit inputs (forward only).
    const expected: number[] = [];
    const rv = await r.data();
    for (let k = 0; k < 6; k++) {
      const column = tf.tidy(() => tf.image.resizeBilinear(tf.oneHot(tf.tensor1d([k], 'int32'), 6).reshape([1, 2, 3, 1]) as tf.Tensor4D, [4, 6], true));
      const values = await column.data();
      column.dispose();
      expected.push(Array.from(values).reduce((s, v, i) => s + v * rv[i], 0));
    }
    const got = await dx.data();
    expected.forEach((e, i) => expect(Math.abs(got[i] - e)).toBeLessThan(1e-5));
    tf.dispose([x, r, dx]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('cpu Conv2DBackpropFilter replacement', () => {
  const cases: Array<{ x: number[]; filter: number[]; stride: number; pad: 'same' | 'valid' }> = [
    { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same' },
    { x: [1, 8, 10, 4], filter: [3, 3, 4, 2], stride: 2, pad: 'same' },
    { x: [3, 6, 6, 2], filter: [3, 3, 2, 4], stride: 1, pad: 'valid' },
    { x: [2, 5, 5, 6], filter: [1, 1, 6, 3], stride: 1, pad: 'valid' },
  ];
  it.each(cases)("equals tfjs's own kernel within 1e-5 relative for %j", async ({ x: xs, filter, stride, pad }) => {
    const x = tf.randomNormal(xs, 0, 1, 'float32', 5);
    const w = tf.randomNormal(filter, 0, 1, 'float32', 6);
    const dy = tf.tidy(() => tf.randomNormal(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad).shape, 0, 1, 'float32', 7));
    const ours = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: filter }) as tf.Tensor;
    const reference = referenceConv2DBackpropFilter()!({
      inputs: { x, dy },
      backend: tf.backend(),
      attrs: { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: filter } as never,
    }) as tf.TensorInfo;
    const expected = tf.engine().makeTensorFromTensorInfo(reference);
    const [a, b] = [await ours.data(), await expected.data()];
    const scale = Math.max(...Array.from(b, Math.abs));
    expect(ours.shape).toEqual(filter);
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]))) / scale).toBeLessThan(1e-5);
    tf.dispose([x, w, dy, ours, expected]);
  });
});
