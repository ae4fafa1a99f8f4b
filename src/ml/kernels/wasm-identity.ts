/**
 * Identity and same-dtype Cast for wasm without a copy (and a Cast to bool that is right). tfjs clones every tensor it saves for the
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

/**
 * tfjs-wasm's own Cast copies with TypedArray.set, which wraps numbers into a Uint8Array when the
 * target is bool (-3 became 253): bool is "not zero" here, as on the cpu backend.
 */
function castToBool(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput([...x.shape], 'bool');
  // Views of the heap are taken after the output is allocated (allocation may grow the heap).
  const values = backend.typedArrayFromHeap(x);
  const flags = backend.typedArrayFromHeap(out);
  for (let i = 0; i < values.length; i++) flags[i] = values[i] !== 0 ? 1 : 0;
  return out;
}

export function cast(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (dtype === x.dtype && dtype !== 'string') return share(backend, x);
  if (dtype === 'bool' && x.dtype !== 'string') return castToBool(backend, x);
  return runWasm('Cast', backend, { x }, { dtype });
}
