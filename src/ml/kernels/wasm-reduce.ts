/**
 * Sum and Mean over the leading axes (per-channel statistics of NHWC tensors) for wasm. wasm's
 * kernels first transpose the input so the reduced axes are innermost, then reduce: two passes.
 * One pass, channel by channel over cache-sized blocks of pixels, is faster.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, at, runWasm, type KernelArgs } from './wasm-util';

/** [outer, inner] when the reduced axes all come before the kept ones (size-1 axes ignored); else null. */
export function leadingSplit(shape: number[], axes: number[]): [number, number] | null {
  let outer = 1;
  let inner = 1;
  let keptSeen = false;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    if (axes.includes(d)) {
      if (keptSeen) return null;
      outer *= shape[d];
    } else {
      keptSeen = true;
      inner *= shape[d];
    }
  }
  return [outer, inner];
}

/** out[c] = scale * sum over rows of x[row, c], for x viewed as [rows, inner]. */
export function sumRows(x: Float32Array, inner: number, out: Float32Array, scale: number): void {
  const size = x.length;
  const block = inner * Math.max(1, Math.floor(16384 / inner));
  const acc = new Float64Array(inner);
  for (let start = 0; start < size; start += block) {
    const end = Math.min(size, start + block);
    for (let c = 0; c < inner; c++) {
      let sum = 0;
      for (let i = start + c; i < end; i += inner) sum += x[i];
      acc[c] += sum;
    }
  }
  for (let c = 0; c < inner; c++) out[c] = acc[c] * scale;
}

function reduceLeading(args: KernelArgs, name: 'Sum' | 'Mean'): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const split = x.dtype === 'float32' ? leadingSplit(x.shape, axes) : null;
  // Small channel counts only: with many channels the strided walk loses to wasm's transpose + sum.
  if (!split || split[0] === 1 || split[1] === 1 || split[1] > 256) return runWasm(name, backend, { x }, { axis, keepDims });
  const [outer, inner] = split;
  let outShape = x.shape.filter((_, d) => !axes.includes(d));
  if (keepDims) outShape = tf.backend_util.expandShapeToKeepDim(outShape, axes);
  const out = backend.makeOutput(outShape, 'float32');
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const src = at(backend, x);
  const dst = at(backend, out);
  sumRows(heap.subarray(src, src + outer * inner), inner, heap.subarray(dst, dst + inner), name === 'Mean' ? 1 / outer : 1);
  return out;
}

export const sum = (args: KernelArgs) => reduceLeading(args, 'Sum');
export const mean = (args: KernelArgs) => reduceLeading(args, 'Mean');
