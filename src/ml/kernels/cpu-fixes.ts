/**
 * Corrections and speed-ups to tfjs 4.22's cpu backend that training needs.
 *
 * - ResizeBilinearGrad fills its output in [B, H, W, C] order but labels it [B, W, H, C]: every
 *   non-square bilinear upsampling then fails its gradient shape check. The data is right, so the
 *   fix restores the shape of the input image.
 * - Conv2DBackpropFilter reads every element through TensorBuffer.get (about 7 MFLOP/s here: 1 s
 *   of a 1.2 s `tiny` step). A typed-array loop computes the same sums far faster.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface CpuBackendLike {
  data: { get(id: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

let originalFilterGrad: tf.KernelFunc | null = null;

/** tfjs's own cpu Conv2DBackpropFilter, kept for tests that compare against it. */
export function referenceConv2DBackpropFilter(): tf.KernelFunc | null {
  return originalFilterGrad;
}

/** dW[fh, fw, ci, co] = sum over (b, oy, ox) of x[b, oy*s + fh - pad, ox*s + fw - pad, ci] * dy[b, oy, ox, co]. */
function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return originalFilterGrad!(args) as tf.TensorInfo;
  const backend = args.backend as unknown as CpuBackendLike;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * strideHeight + fy - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * strideWidth + fx - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            const wBase = (fy * filterWidth + fx) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xValue = xv[xBase + ci];
              if (xValue === 0) continue; // ReLU outputs are half zeros
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) sums[row + co] += xValue * dyv[dyBase + co];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(attrs.filterShape, 'float32', Float32Array.from(sums));
}

function replaceKernel(name: string, make: (original: tf.KernelConfig) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'cpu');
  if (!original) return;
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({ ...original, kernelFunc: make(original) });
}

let applied = false;

/** Replaces the two kernels on the cpu backend; called where the backend is chosen (and by the test setup). */
export function registerCpuKernelFixes(): void {
  if (applied) return;
  applied = true;
  replaceKernel('ResizeBilinearGrad', (original) => (args: KernelArgs) => {
    const result = original.kernelFunc(args) as tf.TensorInfo;
    return { ...result, shape: [...(args.inputs.images as tf.TensorInfo).shape] };
  });
  replaceKernel('Conv2DBackpropFilter', (original) => {
    originalFilterGrad = original.kernelFunc;
    return conv2dBackpropFilter;
  });
}
