/**
 * Identity and same-dtype Cast for wasm without a copy. tfjs clones every tensor it saves for the
 * backward pass and tf.moments casts float32 to float32; wasm copies the data each time (~1,000
 * copies a training step). Tensors are immutable, so sharing the data with a reference, as the
 * cpu backend does, is enough.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, runWasm, type KernelArgs, type WasmBackendLike } from './wasm-util';

function share(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identity(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  return x.dtype === 'string' ? runWasm('Identity', backend, { x }) : share(backend, x);
}

export function cast(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  return dtype === x.dtype && dtype !== 'string' ? share(backend, x) : runWasm('Cast', backend, { x }, { dtype });
}
