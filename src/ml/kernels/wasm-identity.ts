/**
 * Identity for wasm without a copy. tfjs clones every tensor it saves for the backward pass, and
 * wasm's Identity copies the data each time (~900 copies a training step); tensors are immutable,
 * so sharing the data with a reference, as the cpu backend does, is enough.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, runWasm, type KernelArgs } from './wasm-util';

export function identity(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return runWasm('Identity', backend, { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
