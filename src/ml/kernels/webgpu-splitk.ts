/**
 * The two building blocks of the webgpu conv kernels, both made of webgpu's own kernels:
 *
 * - im2col: the patches of x as webgpu's DepthwiseConv2dNative with one-hot filters (channel
 *   multiplier FH*FW, one tap each). It handles padding, strides and dilations in one dispatch of one
 *   invocation per patch element, and the copy is exact (each output is 1 * x plus zeros).
 * - split-K products: a matmul with a long reduction cut into chunks that ONE batched BatchMatMul
 *   computes side by side (webgpu's tiled matmul program), then ONE sum over the chunks (a matmul too). The chunks
 *   give the GPU work where the output alone is small, and bound each invocation's loop.
 */
import * as tf from '@tensorflow/tfjs';
import { free, reshapeInfo, runWebGpu, type WebGpuKernelBackend } from './webgpu-util';

export interface PatchGeometry {
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  dilations: [number, number];
  /** Explicit NHWC padding. */
  pad: tf.backend_util.ExplicitPadding;
}

/** One-hot depthwise filter [FH, FW, Cin, FH*FW]: output channel ci*FH*FW + t copies tap t of channel ci. */
function oneHotFilter(backend: WebGpuKernelBackend, filterHeight: number, filterWidth: number, inChannels: number): tf.TensorInfo {
  const taps = filterHeight * filterWidth;
  const values = new Float32Array(taps * inChannels * taps);
  for (let t = 0; t < taps; t++) {
    for (let ci = 0; ci < inChannels; ci++) values[(t * inChannels + ci) * taps + t] = 1;
  }
  return backend.makeTensorInfo([filterHeight, filterWidth, inChannels, taps], 'float32', values);
}

/** Patches of x [B, H, W, Cin] as [B, OH, OW, Cin*FH*FW], column ci*FH*FW + fh*FW + fw. */
export function im2col(backend: WebGpuKernelBackend, x: tf.TensorInfo, g: PatchGeometry): tf.TensorInfo {
  const filter = oneHotFilter(backend, g.filterHeight, g.filterWidth, x.shape[3]);
  try {
    return runWebGpu('DepthwiseConv2dNative', backend, { x, filter }, { strides: g.strides, pad: g.pad, dilations: g.dilations, dataFormat: 'NHWC' });
  } finally {
    free(backend, filter);
  }
}

/** Total invocations the chunked products aim for: a few times what a GPU needs to be busy. */
const TARGET_INVOCATIONS = 65_536;
/** Chunk lengths: long enough that the partial sums stay small, short enough to bound each loop. */
const MIN_CHUNK = 128;
const MAX_CHUNK = 1024;
/** webgpu's batched matmul: a 32 x 32 output tile per workgroup of 64 invocations. */
const TILE = 32;
const TILE_INVOCATIONS = 64;

/**
 * Rows per chunk for a reduction over `rows` whose output needs `tiles` matmul tiles: enough chunks
 * to reach TARGET_INVOCATIONS, within [MIN_CHUNK, MAX_CHUNK]; a divisor of `rows` when one lies
 * within a factor 2 below, otherwise the caller pads the rows with zeros.
 */
export function chunkLength(rows: number, tiles: number): number {
  if (rows <= MIN_CHUNK) return rows;
  const wanted = Math.ceil(TARGET_INVOCATIONS / (tiles * TILE_INVOCATIONS));
  const length = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(rows / wanted)));
  for (let d = length; d * 2 > length; d--) if (rows % d === 0) return d;
  return length;
}

/** Zero rows appended to a [rows, cols] matrix so that `chunk` divides its rows. */
function padRows(backend: WebGpuKernelBackend, m: tf.TensorInfo, chunk: number): tf.TensorInfo {
  const extra = (chunk - (m.shape[0] % chunk)) % chunk;
  return runWebGpu(
    'PadV2',
    backend,
    { x: m },
    {
      paddings: [
        [0, extra],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
}

/** a^T b for a [rows, K] and b [rows, N] (rows the long reduction): [K, N]. */
export function productOverRows(backend: WebGpuKernelBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [rows, k] = a.shape;
  const n = b.shape[1];
  if (b.shape[0] !== rows) throw new Error(`split-K product: ${rows} rows of a against ${b.shape[0]} of b`);
  const chunk = chunkLength(rows, Math.ceil(k / TILE) * Math.ceil(n / TILE));
  const [aPadded, bPadded] = rows % chunk === 0 ? [a, b] : [padRows(backend, a, chunk), padRows(backend, b, chunk)];
  const chunks = aPadded.shape[0] / chunk;
  const a3 = reshapeInfo(backend, aPadded, [chunks, chunk, k]);
  const b3 = reshapeInfo(backend, bPadded, [chunks, chunk, n]);
  if (aPadded !== a) free(backend, aPadded, bPadded);
  const partial = runWebGpu('BatchMatMul', backend, { a: a3, b: b3 }, { transposeA: true, transposeB: false });
  free(backend, a3, b3);
  const sum = sumChunks(backend, partial);
  free(backend, partial);
  return sum;
}

/**
 * The sum over the leading (chunk) axis of [chunks, ...rest], as the product ones[1, chunks] x
 * [chunks, rest]: webgpu's Sum gives each output a workgroup of 64 that walks a barrier tree (on
 * SwiftShader that took more time than the chunked products), the matmul a slice of a 32-wide tile.
 */
function sumChunks(backend: WebGpuKernelBackend, partial: tf.TensorInfo): tf.TensorInfo {
  const [chunks, ...rest] = partial.shape;
  const flat = reshapeInfo(backend, partial, [chunks, tf.util.sizeFromShape(rest)]);
  const ones = backend.makeTensorInfo([1, chunks], 'float32', new Float32Array(chunks).fill(1));
  const row = runWebGpu('BatchMatMul', backend, { a: ones, b: flat }, { transposeA: false, transposeB: false });
  free(backend, flat, ones);
  const sum = reshapeInfo(backend, row, rest);
  free(backend, row);
  return sum;
}

/**
 * a b for a [M, K] and b [K, N] with K long and M x N small: K cut into `groups` chunks that one
 * batched matmul multiplies side by side, then summed: [M, N].
 */
export function productOverInner(backend: WebGpuKernelBackend, a: tf.TensorInfo, b: tf.TensorInfo, groups: number): tf.TensorInfo {
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (b.shape[0] !== k || k % groups !== 0) throw new Error(`split-K product: inner sizes ${k} and ${b.shape[0]}, ${groups} groups`);
  const a3 = reshapeInfo(backend, a, [m, groups, k / groups]);
  const aGroups = runWebGpu('Transpose', backend, { x: a3 }, { perm: [1, 0, 2] });
  const bGroups = reshapeInfo(backend, b, [groups, k / groups, n]);
  free(backend, a3);
  const partial = runWebGpu('BatchMatMul', backend, { a: aGroups, b: bGroups }, { transposeA: false, transposeB: false });
  free(backend, aGroups, bGroups);
  const sum = sumChunks(backend, partial);
  free(backend, partial);
  return sum;
}
