import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-training';

// Its own file (a fresh tfjs engine): registering BEFORE the backend starts must keep the C++
// bindings of the kernels it replaces, which tfjs sets up when the backend initialises.
it('registering before setBackend still trains: a conv and a transposed matmul get gradients', async () => {
  registerWasmTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  const x = tf.ones([1, 4, 4, 2]);
  const w = tf.ones([3, 3, 2, 1]);
  const m = tf.ones([3, 2]);
  const [dx, dw, dm] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.add(tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), tf.sum(tf.matMul(c, c, true, false))),
  )([x, w, m]);
  // Corner pixels are covered by 4 filter taps; a corner tap of dW sees a 3x3 block of x per channel.
  expect((await dx.data())[0]).toBe(4);
  expect((await dw.data())[0]).toBe(9);
  expect(Array.from(await dm.data())).toEqual([4, 4, 4, 4, 4, 4]);
  tf.dispose([x, w, m, dx, dw, dm]);
});
