/**
 * Makes tfjs 4.22's webgpu backend train our models with dispatches that can fill a GPU.
 *
 * tfjs-backend-webgpu's filter gradient (and, for wide models, its deep-layer forward conv) runs few
 * invocations with long serial loops: on a GPU of tens of thousands of lanes most sit idle. These are
 * rebuilt from webgpu's own tuned programs (webgpu-conv.ts); the dispatch census (webgpu-census.ts,
 * e2e/webgpu-kernels.spec.ts) checks every program of a training step of each preset.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter, convForward } from './webgpu-conv';
import { captureOriginal } from './webgpu-util';

/** webgpu kernels the replacements call; captured so a replacement never calls itself. */
const USED = ['Conv2DBackpropFilter', 'Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'BatchMatMul', 'Add', 'Reshape', 'Transpose', 'Slice', 'PadV2'];

const REPLACEMENTS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2D: convForward('Conv2D'),
  FusedConv2D: convForward('FusedConv2D'),
};

/** tfjs's own configs of the replaced kernels, kept to restore them. */
const shipped = new Map<string, tf.KernelConfig>();

/**
 * Registers the training kernels for 'webgpu'. Idempotent. Needs '@tensorflow/tfjs-backend-webgpu'
 * imported (its kernels registered); works before or after `tf.setBackend('webgpu')`.
 */
export function registerWebGpuTrainingKernels(): void {
  if (shipped.size > 0) return;
  USED.forEach(captureOriginal);
  for (const [kernelName, kernelFunc] of Object.entries(REPLACEMENTS)) {
    const original = tf.getKernel(kernelName, 'webgpu')!;
    shipped.set(kernelName, original);
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({ ...original, kernelFunc });
  }
}

/** Puts tfjs's own kernels back: for measuring before against after, and for showing what the census catches. */
export function unregisterWebGpuTrainingKernels(): void {
  for (const [kernelName, original] of shipped) {
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel(original);
  }
  shipped.clear();
}

export function webGpuTrainingKernelsRegistered(): boolean {
  return shipped.size > 0;
}
