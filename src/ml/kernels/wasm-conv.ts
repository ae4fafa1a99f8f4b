/**
 * Convolution gradients for the wasm backend, built from wasm's forward Conv2D (XNNPACK), which is
 * 10-20x faster than anything a scalar loop can do.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, at, explicitPad, free, runWasm, transposeInfo, type ConvAttrs, type KernelArgs, type WasmBackendLike, words } from './wasm-util';
import { copyStrided, stridesOf } from './wasm-copy';
import { filterGradByTaps } from './wasm-filter-grad';

type Shape4 = [number, number, number, number];

function convInfo(xShape: Shape4, filterShape: Shape4, attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/**
 * dW[fh, fw, ci, co] = sum over (b, oy, ox) of x[b, oy*s + fh - top, ox*s + fw - left, ci] * dy[b, oy, ox, co].
 *
 * Stride 1 (all our convs): one matmul per filter tap on views of x (wasm-filter-grad.ts), at
 * XNNPACK's matmul speed. Other strides: read with the batch as the channel axis it is ONE forward
 * convolution, input x as [Cin, H, W, N], "filter" dy as [OH, OW, N, Cout], dilation = the stride,
 * output [Cin, FH, FW, Cout]; right, but 2-3x slower, as its inner products run over N only.
 */
export function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only.');
  const info = convInfo(x.shape as Shape4, attrs.filterShape, attrs);
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, inHeight, inWidth } = info;
  const { top, left } = info.padInfo;
  if (strideHeight === 1 && strideWidth === 1) {
    return filterGradByTaps(backend, x, dy, {
      filterHeight,
      filterWidth,
      top,
      left,
      paddedHeight: outHeight + filterHeight - 1,
      paddedWidth: outWidth + filterWidth - 1,
    });
  }
  // Rows/columns of x the forward conv never reached (stride > 1 with a remainder) make the
  // bottom/right padding negative: crop them instead.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;
  let source = x;
  if (bottom < 0 || right < 0) {
    source = runWasm(
      'Slice',
      backend,
      { x },
      {
        begin: [0, 0, 0, 0],
        size: [x.shape[0], inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), x.shape[3]],
      },
    );
  }
  const xT = transposeInfo(backend, source, [3, 1, 2, 0]);
  const dyT = transposeInfo(backend, dy, [1, 2, 0, 3]);
  if (source !== x) free(backend, source);
  const swapped = runWasm(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: explicitPad(top, Math.max(bottom, 0), left, Math.max(right, 0)),
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    },
  );
  free(backend, xT, dyT);
  const dw = transposeInfo(backend, swapped, [1, 2, 0, 3]);
  free(backend, swapped);
  return dw;
}

/**
 * For stride 1, dx is the forward convolution of dy with the filter rotated 180 degrees and its
 * channel axes swapped, padded by (filter - 1 - pad) on each side.
 */
export function conv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
  const info = convInfo(attrs.inputShape, filter.shape as Shape4, attrs);
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const pads = [filterHeight - 1 - padInfo.top, filterHeight - 1 - padInfo.bottom, filterWidth - 1 - padInfo.left, filterWidth - 1 - padInfo.right];
  if (strideHeight !== 1 || strideWidth !== 1 || attrs.dataFormat === 'NCHW' || pads.some((p) => p < 0)) {
    // tfjs-wasm's own kernel: a scalar loop, but right.
    return runWasm('Conv2DBackpropInput', backend, { dy, filter }, args.attrs as Record<string, unknown>);
  }
  const flipped = flipFilter(backend, filter);
  const dx = runWasm(
    'Conv2D',
    backend,
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      pad: explicitPad(pads[0], pads[1], pads[2], pads[3]),
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  free(backend, flipped);
  return dx;
}

/**
 * [FH, FW, Cin, Cout] -> rotated 180 degrees, [FH, FW, Cout, Cin], as one strided copy walking the
 * taps backwards (wasm's Reverse + Transpose took 10 ms for a 3x3x256x128 filter).
 */
function flipFilter(backend: WasmBackendLike, filter: tf.TensorInfo): tf.TensorInfo {
  const [fh, fw, inC, outC] = filter.shape;
  const flipped = backend.makeOutput([fh, fw, outC, inC], 'float32');
  const last = ((fh - 1) * fw + (fw - 1)) * inC * outC;
  copyStrided(
    words(backend),
    at(backend, filter) + last,
    [-fw * inC * outC, -inC * outC, 1, outC],
    at(backend, flipped),
    stridesOf(flipped.shape),
    flipped.shape,
  );
  return flipped;
}
