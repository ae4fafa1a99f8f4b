/**
 * The kernel cases of the webgpu training kernels, checked against the cpu backend in Chromium
 * (e2e/webgpu-kernels.spec.ts): every filter-gradient shape the wasm kernels are checked on (3x3 and
 * 1x1, 'same' and 'valid', stride 1 and 2, batch > 1, the atrous path), plus the paths only the
 * split-K kernels have: many chunks, rows padded to whole chunks, bands of rows, and the forward
 * conv split over channel groups.
 */
import * as tf from '@tensorflow/tfjs';
import { KERNEL_CASES, type KernelCase } from './wasm-cases';
import { setPatchLimitForTests } from './webgpu-conv';

const runKernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

interface FilterGradShape {
  batch: number;
  height: number;
  width: number;
  inC: number;
  outC: number;
  k: number;
  pad: 'same' | 'valid';
  stride?: number;
  /** Cap on the patch matrix (elements), to force bands of a few rows. */
  patchLimit?: number;
  why: string;
}

function filterGradCase(c: FilterGradShape): KernelCase {
  const stride = c.stride ?? 1;
  const out = (size: number) => (c.pad === 'same' ? Math.ceil(size / stride) : Math.ceil((size - c.k + 1) / stride));
  return {
    name: `Conv2DBackpropFilter ${c.k}x${c.k} ${c.pad} stride ${stride}, batch ${c.batch}, ${c.height}x${c.width}, ${c.inC}->${c.outC} (${c.why})`,
    inputs: [
      { shape: [c.batch, c.height, c.width, c.inC], seed: 51 },
      { shape: [c.batch, out(c.height), out(c.width), c.outC], seed: 52 },
    ],
    run: (x, dy) => {
      setPatchLimitForTests(c.patchLimit ?? null);
      try {
        const attrs = { strides: [stride, stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [c.k, c.k, c.inC, c.outC] };
        return runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
      } finally {
        setPatchLimitForTests(null);
      }
    },
  };
}

const SPLIT_K_FILTER_CASES: FilterGradShape[] = [
  { batch: 2, height: 32, width: 48, inC: 16, outC: 8, k: 3, pad: 'same', why: '24 chunks of 128 pixels' },
  { batch: 1, height: 13, width: 11, inC: 4, outC: 5, k: 3, pad: 'same', why: '143 pixels padded to 2 chunks' },
  { batch: 2, height: 12, width: 10, inC: 3, outC: 4, k: 3, pad: 'same', patchLimit: 1100, why: 'bands of 2 rows' },
  { batch: 2, height: 11, width: 10, inC: 3, outC: 4, k: 3, pad: 'same', stride: 2, patchLimit: 300, why: 'bands of 1 row, stride 2' },
  { batch: 3, height: 10, width: 9, inC: 2, outC: 3, k: 3, pad: 'valid', patchLimit: 800, why: 'bands of 2 rows, valid' },
];

/** Forward convs with K = 9 x 512 over few outputs: the channel-group split (and one that stays tfjs's). */
const FORWARD_CASES: KernelCase[] = [
  {
    name: 'Conv2D 3x3 same, 512->8 on 2x4x6 (K split into channel groups)',
    inputs: [
      { shape: [2, 4, 6, 512], seed: 53 },
      { shape: [3, 3, 512, 8], seed: 54, scale: 0.05 },
    ],
    run: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'fused conv2d with bias, 3x3 valid dilation 2, 512->4 on 1x7x8 (K split)',
    inputs: [
      { shape: [1, 7, 8, 512], seed: 55 },
      { shape: [3, 3, 512, 4], seed: 56, scale: 0.05 },
      { shape: [4], seed: 57 },
    ],
    run: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 1, pad: 'valid', dilations: 2 }),
  },
  {
    name: 'fused conv2d with bias and relu, 3x3 same (tfjs kernel: activation not linear)',
    inputs: [
      { shape: [1, 4, 6, 512], seed: 58 },
      { shape: [3, 3, 512, 4], seed: 59, scale: 0.05 },
      { shape: [4], seed: 60 },
    ],
    run: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 1, pad: 'same', activation: 'relu' }),
  },
];

/** The wasm cases that exercise the replaced kernels: each conv shape's filter gradient, and gradients through the atrous conv and a small net. */
const SHARED_CASES = KERNEL_CASES.filter(
  (c) => c.name.startsWith('Conv2DBackpropFilter') || c.name.startsWith('gradient of the atrous conv') || c.name.startsWith('gradient of a small conv net'),
);

export const WEBGPU_KERNEL_CASES: KernelCase[] = [...SHARED_CASES, ...SPLIT_K_FILTER_CASES.map(filterGradCase), ...FORWARD_CASES];
