/**
 * The whole FusedBatchNorm gradient in one pass over x and dy, for wasm. tfjs's gradient builds
 * it from ~12 full-size kernels (sub, tile, five multiplies, four sums); per channel c, with
 * r = 1/sqrt(var + eps), g = scale, S1 = sum(dy), S2 = sum(dy * (x - mean)), it is
 *   dx = dy * g * r,  dmean = -g * r * S1,  dvar = -g * r^3 * S2 / 2,  dscale = r * S2,  doffset = S1.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, at, type KernelArgs } from './wasm-util';

export const BATCH_NORM_GRAD = 'WasmFusedBatchNormGrad';

export function batchNormGrad(args: KernelArgs): tf.TensorInfo[] {
  const backend = asWasm(args.backend);
  const { x, dy, mean, variance, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const channels = mean!.shape[0];
  const outs = [x!.shape, mean!.shape, mean!.shape, mean!.shape, mean!.shape].map((shape) => backend.makeOutput([...shape], 'float32'));
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const perChannel = (t: tf.TensorInfo | undefined, fallback: number) => {
    const start = t ? at(backend, t) : 0;
    return Float64Array.from({ length: channels }, (_, c) => (t ? heap[start + c] : fallback));
  };
  const m = perChannel(mean, 0);
  const r = perChannel(variance, 0).map((v) => 1 / Math.sqrt(v + varianceEpsilon));
  const g = perChannel(scale, 1);
  const gr = g.map((gc, c) => gc * r[c]);
  const s1 = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  const size = tf.util.sizeFromShape(x!.shape);
  // Zero-based views: indexing a small view is faster than offsets into the whole heap.
  const xv = heap.subarray(at(backend, x!), at(backend, x!) + size);
  const dv = heap.subarray(at(backend, dy!), at(backend, dy!) + size);
  const dxv = heap.subarray(at(backend, outs[0]), at(backend, outs[0]) + size);
  // Channel by channel (scalar accumulators), over blocks of pixels that stay in cache.
  const block = channels * 2048;
  for (let start = 0; start < size; start += block) {
    const end = Math.min(size, start + block);
    for (let c = 0; c < channels; c++) {
      const scaleC = gr[c];
      const meanC = m[c];
      let sum1 = 0;
      let sum2 = 0;
      for (let i = start + c; i < end; i += channels) {
        const d = dv[i];
        dxv[i] = d * scaleC;
        sum1 += d;
        sum2 += d * (xv[i] - meanC);
      }
      s1[c] += sum1;
      s2[c] += sum2;
    }
  }
  const [dMean, dVar, dScale, dOffset] = outs.slice(1).map((o) => at(backend, o));
  for (let c = 0; c < channels; c++) {
    heap[dMean + c] = -gr[c] * s1[c];
    heap[dVar + c] = -0.5 * gr[c] * r[c] * r[c] * s2[c];
    heap[dScale + c] = r[c] * s2[c];
    heap[dOffset + c] = s1[c];
  }
  return outs;
}
