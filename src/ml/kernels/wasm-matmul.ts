/**
 * BatchMatMul for wasm. tfjs-backend-wasm 4.22 sends a matmul to XNNPACK only when neither operand
 * is transposed and both batches are 1; anything else runs a scalar triple loop about 12x slower,
 * and it is what every Dense and attention gradient needs (matMul(dy, w, false, true) ...). Here
 * operands are transposed explicitly, a shared right operand folds the batch into rows, and other
 * batches run one XNNPACK matmul per batch on views of the inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, at, free, releaseView, reshapeInfo, runWasm, transposeInfo, view, words, type KernelArgs, type WasmBackendLike } from './wasm-util';

/** Index of the operand's batch for output batch `i` under broadcasting of the (flattened-per-dim) batch shapes. */
function broadcastIndex(i: number, outBatch: number[], operandBatch: number[]): number {
  let index = 0;
  let stride = 1;
  const offset = outBatch.length - operandBatch.length;
  for (let d = outBatch.length - 1; d >= 0; d--) {
    const coordinate = i % outBatch[d];
    i = Math.floor(i / outBatch[d]);
    const size = d - offset >= 0 ? operandBatch[d - offset] : 1;
    if (size > 1) index += coordinate * stride;
    stride *= size;
  }
  return index;
}

const product = (values: number[]) => values.reduce((a, b) => a * b, 1);

/** [..., r, c] as [batch, r, c], transposed to [batch, c, r] when asked (the copy is cheap, the slow loop is not). */
function asRows(backend: WasmBackendLike, x: tf.TensorInfo, transposed: boolean): tf.TensorInfo {
  const rank = x.shape.length;
  const batch = product(x.shape.slice(0, -2));
  const shaped = reshapeInfo(backend, x, [batch, x.shape[rank - 2], x.shape[rank - 1]]);
  if (!transposed) return shaped;
  const flipped = transposeInfo(backend, shaped, [0, 2, 1]);
  free(backend, shaped);
  return flipped;
}

export function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runWasm('BatchMatMul', backend, { a, b }, { transposeA, transposeB });
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  const a3 = asRows(backend, a, transposeA);
  const b3 = asRows(backend, b, transposeB);
  const [, m, k] = a3.shape;
  const n = b3.shape[2];
  if (k !== b3.shape[1]) {
    free(backend, a3, b3);
    throw new Error(`matMul: inner dimensions ${k} and ${b3.shape[1]} of shapes ${a.shape} and ${b.shape} differ.`);
  }
  const outShape = [...outBatch, m, n];
  let result: tf.TensorInfo;
  if (b3.shape[0] === 1) {
    // One right operand for every batch: the batches are just more rows.
    const rows = reshapeInfo(backend, a3, [1, a3.shape[0] * m, k]);
    const product3 = runWasm('BatchMatMul', backend, { a: rows, b: b3 }, { transposeA: false, transposeB: false });
    free(backend, rows);
    result = reshapeInfo(backend, product3, outShape);
    free(backend, product3);
  } else {
    result = perBatch(backend, a3, b3, outBatch, batchA, batchB, outShape);
  }
  free(backend, a3, b3);
  return result;
}

function perBatch(
  backend: WasmBackendLike,
  a3: tf.TensorInfo,
  b3: tf.TensorInfo,
  outBatch: number[],
  batchA: number[],
  batchB: number[],
  outShape: number[],
): tf.TensorInfo {
  const [, m, k] = a3.shape;
  const n = b3.shape[2];
  const count = product(outBatch);
  const out = backend.makeOutput(outShape, 'float32');
  for (let i = 0; i < count; i++) {
    const ai = view(backend, a3, broadcastIndex(i, outBatch, batchA) * m * k, [1, m, k]);
    const bi = view(backend, b3, broadcastIndex(i, outBatch, batchB) * k * n, [1, k, n]);
    const product3 = runWasm('BatchMatMul', backend, { a: ai, b: bi }, { transposeA: false, transposeB: false });
    releaseView(backend, ai);
    releaseView(backend, bi);
    const src = at(backend, product3);
    words(backend).copyWithin(at(backend, out) + i * m * n, src, src + m * n);
    free(backend, product3);
  }
  return out;
}
