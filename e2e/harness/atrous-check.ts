/**
 * Loaded into the page by e2e/kernels.spec.ts through the dev server: checks the atrous conv on a
 * GPU backend against tf.conv2d's dilated forward and against the cpu backend's gradients.
 */
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { atrousConv2d } from '../../src/ml/model/atrous';
import { selectBackend } from '../../src/ml/backend';

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

async function compute(backend: string) {
  const choice = await selectBackend(backend as 'webgl' | 'webgpu' | 'cpu');
  const x = tf.randomNormal([2, 10, 14, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 3, 4], 0, 0.5, 'float32', 2);
  const loss = (input: tf.Tensor, filter: tf.Tensor) => tf.sum(tf.square(atrousConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 2))) as tf.Scalar;
  const ours = atrousConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2);
  const reference = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2);
  const [dx, dw] = tf.grads(loss)([x, w]);
  const result = {
    backend: choice.backend,
    forward: await ours.data(),
    reference: await reference.data(),
    dx: await dx.data(),
    dw: await dw.data(),
  };
  tf.dispose([x, w, ours, reference, dx, dw]);
  return result;
}

export async function checkAtrous(backend: 'webgl' | 'webgpu') {
  const gpu = await compute(backend);
  const cpu = await compute('cpu');
  return {
    backend: gpu.backend,
    forwardVsConv2d: relativeError(gpu.forward, gpu.reference),
    dxVsCpu: relativeError(gpu.dx, cpu.dx),
    dwVsCpu: relativeError(gpu.dw, cpu.dw),
  };
}
