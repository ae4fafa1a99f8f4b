/**
 * Makes tfjs 4.22's wasm backend able to train our models, fast.
 *
 * tfjs-backend-wasm ships no Conv2DBackpropFilter and a scalar-loop Conv2DBackpropInput; these are
 * rebuilt from wasm's own XNNPACK forward conv. See wasm-conv.ts and the other wasm-*.ts files.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter, conv2dBackpropInput } from './wasm-conv';
import { BATCH_NORM_GRAD, batchNormGrad } from './wasm-batchnorm';
import { registerWasmGradients } from './wasm-grads';
import { batchToSpaceND, concat, slice, spaceToBatchND, splitV, tile, transpose } from './wasm-layout';
import { batchMatMul } from './wasm-matmul';
import { maxPoolGrad } from './wasm-pool';
import { cast, identity } from './wasm-identity';
import { mean, sum } from './wasm-reduce';
import { captureOriginal } from './wasm-util';

/** wasm kernels the composed kernels call; captured so a later replacement never calls itself. */
const USED = [
  'Conv2D',
  'Transpose',
  'Reshape',
  'Slice',
  'Conv2DBackpropInput',
  'BatchMatMul',
  'Concat',
  'Tile',
  'SpaceToBatchND',
  'BatchToSpaceND',
  'PadV2',
  'Identity',
  'Cast',
  'Sum',
  'Mean',
];

/** Replaces (or adds) a wasm kernel, keeping the original's setup: it binds the C++ function the original calls. */
function replace(name: string, kernelFunc: tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (original) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: original?.setupFunc });
}

let registered = false;

/**
 * Registers the training kernels for 'wasm'. Idempotent. Needs '@tensorflow/tfjs-backend-wasm'
 * imported (its kernels registered); works before or after `tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  USED.forEach(captureOriginal);
  replace('Conv2DBackpropFilter', conv2dBackpropFilter);
  replace('Conv2DBackpropInput', conv2dBackpropInput);
  replace('MaxPoolGrad', maxPoolGrad);
  replace('BatchMatMul', batchMatMul);
  replace('Slice', slice);
  replace('SplitV', splitV);
  replace('Concat', concat);
  replace('Tile', tile);
  replace('Transpose', transpose);
  replace('SpaceToBatchND', spaceToBatchND);
  replace('BatchToSpaceND', batchToSpaceND);
  replace('Identity', identity);
  replace('Cast', cast);
  replace('Sum', sum);
  replace('Mean', mean);
  tf.registerKernel({ kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: batchNormGrad as unknown as tf.KernelFunc });
  registerWasmGradients();
  registered = true;
}
