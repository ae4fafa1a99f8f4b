/**
 * MaxPoolGrad for wasm. tfjs-backend-wasm 4.22's kernel starts its running maximum at
 * FLT_MIN (the smallest POSITIVE float) instead of -inf, so a window of zeros or negatives (half of
 * all windows after a ReLU) sends its gradient to element 0 of the window's image row instead of
 * the window; it also breaks ties toward the last element. This one matches the cpu backend (and
 * TensorFlow): the first maximum of each window in row-major order takes the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, type KernelArgs } from './wasm-util';

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput([...input.shape], 'float32');
  // Views taken after the allocation (growing the wasm heap detaches older views); small
  // zero-based views index faster than offsets into the whole heap.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  out.fill(0);
  if (filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && top === 0 && left === 0) {
    pool2x2(x, g, out, batchSize, inHeight, inWidth, channels, outHeight, outWidth);
    return dx;
  }
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    const imageBase = b * inHeight * rowStride;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let where = -1;
          for (let iy = yStart; iy < yEnd; iy++) {
            let offset = imageBase + iy * rowStride + xStart * channels + c;
            for (let ix = xStart; ix < xEnd; ix++, offset += channels) {
              if (x[offset] > best) {
                best = x[offset];
                where = offset;
              }
            }
          }
          if (where >= 0) out[where] += g[dyBase + c];
        }
      }
    }
  }
  return dx;
}

/** The 2x2, stride 2 window of U-Net encoders, with the four candidates read in row-major order. */
function pool2x2(
  x: Float32Array,
  g: Float32Array,
  out: Float32Array,
  batch: number,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): void {
  const row = width * channels;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const p0 = (b * height + 2 * oy) * row + 2 * ox * channels;
        const [p1, p2, p3] = [p0 + channels, p0 + row, p0 + row + channels];
        const d = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          // Same rule as the general loop: strictly greater than a running max that starts at -inf.
          let where = -1;
          let best = -Infinity;
          if (x[p0 + c] > best) {
            best = x[p0 + c];
            where = p0 + c;
          }
          if (x[p1 + c] > best) {
            best = x[p1 + c];
            where = p1 + c;
          }
          if (x[p2 + c] > best) {
            best = x[p2 + c];
            where = p2 + c;
          }
          if (x[p3 + c] > best) where = p3 + c;
          if (where >= 0) out[where] += g[d + c];
        }
      }
    }
  }
}
