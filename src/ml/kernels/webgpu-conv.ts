/**
 * Convolution kernels for the webgpu backend whose tfjs 4.22 dispatch cannot fill a GPU, rebuilt
 * from webgpu's own tuned programs (see webgpu-splitk.ts and the census in webgpu-census.ts).
 *
 * - Conv2DBackpropFilter: tfjs runs one invocation per filter weight, each looping over batch x
 *   outHeight x outWidth (432 invocations of 98,304 steps for transunet's stem at 128x192, batch 4).
 *   Here: the patches of x (im2col) times dy, a [Cin*FH*FW, M] x [M, Cout] product whose long
 *   reduction M = batch x outHeight x outWidth is split into chunks (split-K).
 * - Conv2D / FusedConv2D: tfjs's tiled conv has one invocation per 4 x 4 outputs, each looping over
 *   K = FH*FW*Cin; deep layers of wide models (seed-unet's 512 -> 512 at 1/16) have few outputs and
 *   K = 4,608. Those (only those) become im2col and a product with K split into channel groups.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_SERIAL_STEPS, MIN_INVOCATIONS } from './webgpu-census';
import { im2col, productOverInner, productOverRows } from './webgpu-splitk';
import {
  asWebGpu,
  explicitPad,
  free,
  maxTempElements,
  originalKernel,
  reshapeInfo,
  runWebGpu,
  transposeInfo,
  type KernelArgs,
  type WebGpuKernelBackend,
} from './webgpu-util';

type Shape4 = [number, number, number, number];
type Pair = [number, number];

interface ConvAttrs {
  strides: Pair | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: Pair | number;
}

/** Test hook: a smaller cap on the patch matrix, so that small cases take the banded path. */
let tempLimitOverride: number | null = null;
export function setPatchLimitForTests(elements: number | null): void {
  tempLimitOverride = elements;
}

/**
 * Patches of x for output rows [r0, r1), every column: the rows of x they read (a slice when the
 * band is not the whole image) and the zero padding around them.
 */
function bandPatches(backend: WebGpuKernelBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, r0: number, r1: number): tf.TensorInfo {
  const { inHeight, inWidth, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const lo = r0 * strideHeight - padInfo.top;
  const hi = (r1 - 1) * strideHeight - padInfo.top + filterHeight;
  const [start, end] = [Math.max(0, lo), Math.min(inHeight, hi)];
  const rows =
    start === 0 && end === inHeight ? x : runWebGpu('Slice', backend, { x }, { begin: [0, start, 0, 0], size: [x.shape[0], end - start, inWidth, x.shape[3]] });
  const right = Math.max(0, (outWidth - 1) * strideWidth - padInfo.left + filterWidth - inWidth);
  const patches = im2col(backend, rows, {
    filterHeight,
    filterWidth,
    strides: [strideHeight, strideWidth],
    dilations: [1, 1],
    pad: explicitPad(start - lo, hi - end, padInfo.left, right),
  });
  if (rows !== x) free(backend, rows);
  const expected = [x.shape[0], r1 - r0, outWidth, x.shape[3] * filterHeight * filterWidth];
  if (!tf.util.arraysEqual(patches.shape, expected)) {
    free(backend, patches);
    throw new Error(
      `webgpu Conv2DBackpropFilter: patches of x ${x.shape} are ${patches.shape}, expected ${expected} (filter ${info.filterShape}, pad ${JSON.stringify(padInfo)})`,
    );
  }
  return patches;
}

/**
 * dW[fh, fw, ci, co] = sum over (b, oy, ox) of x[b, oy*s + fh - top, ox*s + fw - left, ci] * dy[b, oy, ox, co],
 * over bands of output rows small enough that each band's patch matrix stays under maxTempElements.
 */
export function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
  if (attrs.dataFormat === 'NCHW') return originalKernel('Conv2DBackpropFilter')(args) as tf.TensorInfo;
  const backend = asWebGpu(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, outHeight, outWidth, inChannels, outChannels, filterHeight, filterWidth } = info;
  const k = inChannels * filterHeight * filterWidth;
  const limit = tempLimitOverride ?? maxTempElements(backend);
  const bandRows = Math.max(1, Math.floor(limit / (batchSize * outWidth * k)));
  let total: tf.TensorInfo | null = null;
  for (let r0 = 0; r0 < outHeight; r0 += bandRows) {
    const r1 = Math.min(outHeight, r0 + bandRows);
    const pixels = batchSize * (r1 - r0) * outWidth;
    const patches = bandPatches(backend, x, info, r0, r1);
    const a = reshapeInfo(backend, patches, [pixels, k]);
    free(backend, patches);
    const dyBand =
      r1 - r0 === outHeight ? dy : runWebGpu('Slice', backend, { x: dy }, { begin: [0, r0, 0, 0], size: [batchSize, r1 - r0, outWidth, outChannels] });
    const b = reshapeInfo(backend, dyBand, [pixels, outChannels]);
    if (dyBand !== dy) free(backend, dyBand);
    const part = productOverRows(backend, a, b);
    free(backend, a, b);
    if (total) {
      const sum = runWebGpu('Add', backend, { a: total, b: part });
      free(backend, total, part);
      total = sum;
    } else {
      total = part;
    }
  }
  // Rows of `total` are (ci, fh, fw): to the filter's [FH, FW, Cin, Cout].
  const blocks = reshapeInfo(backend, total!, [inChannels, filterHeight, filterWidth, outChannels]);
  free(backend, total);
  const dw = transposeInfo(backend, blocks, [1, 2, 0, 3]);
  free(backend, blocks);
  return dw;
}

/** Each group's share of K: well under the census's limit, so that the groups add invocations. */
const GROUP_STEPS = 1_024;

/** Channel groups for a split of K = taps x Cin: the fewest that bring each group's share to GROUP_STEPS or less. */
export function channelGroups(inChannels: number, taps: number): number {
  for (let g = 1; g <= inChannels; g++) if (inChannels % g === 0 && (taps * inChannels) / g <= GROUP_STEPS) return g;
  return inChannels;
}

/**
 * Conv2D and FusedConv2D (bias and linear activation only): webgpu's own kernel, except where its
 * dispatch would be few invocations with a long loop over K; those run as patches x filter with K
 * split into channel groups.
 */
export function convForward(name: 'Conv2D' | 'FusedConv2D'): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as ConvAttrs & { activation?: string };
    const original = () => originalKernel(name)(args) as tf.TensorInfo;
    if (!x || !filter || attrs.dataFormat === 'NCHW' || preluActivationWeights || (attrs.activation && attrs.activation !== 'linear')) return original();
    const backend = asWebGpu(args.backend);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { batchSize, outHeight, outWidth, inChannels, outChannels, filterHeight, filterWidth, padInfo } = info;
    const pixels = batchSize * outHeight * outWidth;
    const k = filterHeight * filterWidth * inChannels;
    // webgpu's tiled conv: one invocation per 4 x 4 outputs, each looping over K.
    const starves = k > MAX_SERIAL_STEPS && (pixels * outChannels) / 16 < MIN_INVOCATIONS;
    if (!starves || pixels * k > maxTempElements(backend)) return original();

    const patches = im2col(backend, x, {
      filterHeight,
      filterWidth,
      strides: [info.strideHeight, info.strideWidth],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad: explicitPad(padInfo.top, padInfo.bottom, padInfo.left, padInfo.right),
    });
    const a = reshapeInfo(backend, patches, [pixels, k]);
    // The filter's rows in the patches' (ci, fh, fw) order.
    const byChannel = transposeInfo(backend, filter, [2, 0, 1, 3]);
    const b = reshapeInfo(backend, byChannel, [k, outChannels]);
    free(backend, patches, byChannel);
    const product = productOverInner(backend, a, b, channelGroups(inChannels, filterHeight * filterWidth));
    free(backend, a, b);
    const withBias = bias ? runWebGpu('Add', backend, { a: product, b: bias }) : product;
    if (withBias !== product) free(backend, product);
    const y = reshapeInfo(backend, withBias, [batchSize, outHeight, outWidth, outChannels]);
    free(backend, withBias);
    return y;
  };
}
