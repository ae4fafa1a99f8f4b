/**
 * The kernel cases our presets exercise, shared by the Node tests and the Chromium check: each
 * runs one gradient kernel (or a gradient through a small graph) on seeded inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { atrousConv2d } from '../model/atrous';
import { seededValues, type InputSpec } from './wasm-compare';

export interface KernelCase {
  name: string;
  inputs: InputSpec[];
  run: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

type Pad = 'same' | 'valid';
interface ConvShape {
  batch: number;
  height: number;
  width: number;
  inC: number;
  outC: number;
  k: number;
  pad: Pad;
  stride?: number;
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

function outSize(size: number, k: number, pad: Pad, stride: number): number {
  return pad === 'same' ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

function convCases(c: ConvShape): KernelCase[] {
  const stride = c.stride ?? 1;
  const [oh, ow] = [outSize(c.height, c.k, c.pad, stride), outSize(c.width, c.k, c.pad, stride)];
  const label = `${c.k}x${c.k} ${c.pad} stride ${stride}, batch ${c.batch}, ${c.height}x${c.width}, ${c.inC}->${c.outC}`;
  const xShape = [c.batch, c.height, c.width, c.inC];
  const filterShape = [c.k, c.k, c.inC, c.outC];
  const dyShape = [c.batch, oh, ow, c.outC];
  const attrs = { strides: [stride, stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return [
    {
      name: `Conv2DBackpropFilter ${label}`,
      inputs: [
        { shape: xShape, seed: 1 },
        { shape: dyShape, seed: 2 },
      ],
      run: (x, dy) => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }),
    },
    {
      name: `Conv2DBackpropInput ${label}`,
      inputs: [
        { shape: dyShape, seed: 3 },
        { shape: filterShape, seed: 4 },
      ],
      run: (dy, filter) => run('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape }),
    },
  ];
}

/**
 * Gradients of sum(f(x) * r), r fixed and seeded, with respect to every input: exercises each
 * kernel's gradient as training does (a plain sum(f^2) through batch norm is nearly constant, and
 * its gradient is all rounding).
 */
function gradsOf(f: (...inputs: tf.Tensor[]) => tf.Tensor) {
  return (...inputs: tf.Tensor[]) =>
    tf.grads((...args: tf.Tensor[]) => {
      const y = f(...args);
      return tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, 99), y.shape)));
    })(inputs);
}

export const CONV_SHAPES: ConvShape[] = [
  { batch: 2, height: 12, width: 18, inC: 3, outC: 5, k: 3, pad: 'same' },
  { batch: 3, height: 9, width: 7, inC: 4, outC: 6, k: 3, pad: 'valid' },
  { batch: 2, height: 8, width: 12, inC: 6, outC: 1, k: 1, pad: 'same' },
  { batch: 1, height: 5, width: 6, inC: 8, outC: 4, k: 1, pad: 'valid' },
  // The atrous conv's inner conv: 'valid' on a space-to-batch tensor of 4x the batch.
  { batch: 8, height: 10, width: 12, inC: 4, outC: 4, k: 3, pad: 'valid' },
  // A long reduction, as the full-size layers have: q = 2 x 48 x 64 = 6,144 pixels in the filter gradient's matmuls.
  { batch: 2, height: 46, width: 62, inC: 16, outC: 16, k: 3, pad: 'same' },
  { batch: 2, height: 48, width: 64, inC: 16, outC: 16, k: 3, pad: 'valid' },
  // Not used by our presets, but must stay right: stride 2 (the fallback path and the cropped filter gradient).
  { batch: 2, height: 9, width: 10, inC: 3, outC: 4, k: 3, pad: 'same', stride: 2 },
  { batch: 2, height: 10, width: 9, inC: 3, outC: 4, k: 3, pad: 'valid', stride: 2 },
];

function matMulCase(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): KernelCase {
  return {
    name: `BatchMatMul ${aShape} x ${bShape}${transposeA ? ' transposeA' : ''}${transposeB ? ' transposeB' : ''}`,
    inputs: [
      { shape: aShape, seed: 30 },
      { shape: bShape, seed: 31 },
    ],
    run: (a, b) => tf.matMul(a, b, transposeA, transposeB),
  };
}

/** The layout kernels wasm-layout.ts replaces, on awkward shapes. */
const LAYOUT_CASES: KernelCase[] = [
  matMulCase([24, 16], [16, 20], false, false),
  matMulCase([16, 24], [16, 20], true, false),
  matMulCase([24, 16], [20, 16], false, true),
  matMulCase([16, 24], [20, 16], true, true),
  matMulCase([2, 3, 12, 8], [2, 3, 8, 10], false, false),
  matMulCase([2, 3, 12, 8], [2, 3, 12, 10], true, false),
  matMulCase([2, 3, 12, 8], [2, 3, 10, 8], false, true),
  matMulCase([6, 12, 8], [8, 10], false, false), // a shared right operand
  matMulCase([1, 12, 8], [3, 8, 10], false, false), // a shared left operand (cpu mishandles 2-D batch broadcasts)
  {
    name: 'Tile of a per-channel vector and of a general block',
    inputs: [
      { shape: [1, 1, 1, 5], seed: 32 },
      { shape: [2, 3, 4], seed: 33 },
    ],
    run: (v, x) => [tf.tile(v, [2, 3, 4, 1]), tf.tile(x, [3, 1, 2])],
  },
  {
    name: 'Transpose of rank 5 and 6 (the attention head split)',
    inputs: [
      { shape: [2, 5, 3, 2, 4], seed: 34 },
      { shape: [2, 3, 1, 4, 2, 3], seed: 35 },
    ],
    run: (a, b) => [tf.transpose(a, [2, 0, 3, 1, 4]), tf.transpose(b, [5, 3, 1, 0, 2, 4])],
  },
  {
    name: 'SpaceToBatchND and BatchToSpaceND with uneven paddings and crops',
    inputs: [
      { shape: [2, 7, 9, 3], seed: 36 },
      { shape: [8, 5, 6, 2], seed: 37 },
    ],
    run: (x, y) => [
      tf.spaceToBatchND(
        x,
        [2, 2],
        [
          [2, 3],
          [1, 2],
        ],
      ),
      tf.batchToSpaceND(
        y,
        [2, 2],
        [
          [1, 2],
          [0, 3],
        ],
      ),
      tf.spaceToBatchND(
        x,
        [3, 2],
        [
          [1, 1],
          [0, 1],
        ],
      ),
    ],
  },
  {
    name: 'Concat and Slice on every axis',
    inputs: [
      { shape: [2, 3, 4, 5], seed: 38 },
      { shape: [2, 3, 4, 2], seed: 39 },
    ],
    run: (a, b) => [
      tf.concat([a, b], 3),
      tf.concat([a, a], 0),
      tf.concat([a, a, a], 2),
      tf.slice(a, [1, 0, 1, 2], [1, 3, 2, 3]),
      tf.slice(a, [0, 1, 0, 0], [2, 1, 4, 5]),
    ],
  },
  {
    name: 'Sum and Mean over the leading axes, and elsewhere',
    inputs: [{ shape: [3, 5, 7, 6], seed: 40, scale: 10 }],
    run: (x) => [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true), tf.sum(x, [1, 2]), tf.mean(x, 3), tf.sum(x)],
  },
];

/**
 * wasm-identity.ts shares the input's data instead of copying it: the result must stay readable
 * after the input is freed (a missing reference would free it under the result).
 */
const SHARING_CASES: KernelCase[] = [
  {
    name: 'Identity (tf.clone) outlives its freed input',
    inputs: [{ shape: [3, 4, 5], seed: 41 }],
    run: (x) => {
      const copy = tf.clone(x);
      x.dispose();
      return [copy, tf.add(copy, 1)];
    },
  },
  {
    name: 'Cast float32 to float32 (shared) outlives its freed input',
    inputs: [{ shape: [2, 3, 7], seed: 42 }],
    run: (x) => {
      const same = tf.cast(x, 'float32');
      x.dispose();
      return [same, tf.mul(same, 2)];
    },
  },
  {
    // wasm's own Cast, which the replacement hands other dtypes to: truncation toward zero, as cpu.
    name: 'Cast float32 to int32 and bool, and int32 back to float32',
    inputs: [{ shape: [4, 9], seed: 43, scale: 5 }],
    run: (x) => {
      const ints = tf.cast(x, 'int32');
      return [ints, tf.cast(x, 'bool'), tf.cast(ints, 'float32'), tf.cast(ints, 'int32')];
    },
  },
];

/** Gradient overrides of wasm-grads.ts (each other backend keeps tfjs's own gradient, the reference). */
const GRADIENT_CASES: KernelCase[] = [
  {
    // LayerNormalization tiles a per-channel vector over [batch, tokens].
    name: 'gradient of Tile (a per-channel vector over leading axes, and a general block)',
    inputs: [
      { shape: [1, 1, 6], seed: 44 },
      { shape: [2, 3, 4], seed: 45 },
    ],
    run: gradsOf((v, x) => tf.add(tf.tile(v, [2, 4, 1]), tf.slice(tf.tile(x, [1, 3, 2]), [0, 0, 0], [2, 4, 6]))),
  },
  {
    name: 'gradient of Mean over the leading axes and the last',
    inputs: [{ shape: [3, 4, 5], seed: 46 }],
    run: gradsOf((x) => tf.concat([tf.mean(x, [0, 1]), tf.mean(x, 2).reshape([-1]).slice(0, 5)])),
  },
];

export const KERNEL_CASES: KernelCase[] = [
  ...CONV_SHAPES.flatMap(convCases),
  ...LAYOUT_CASES,
  ...SHARING_CASES,
  ...GRADIENT_CASES,
  {
    name: 'MaxPoolGrad 2x2 stride 2 (ReLU-like ties)',
    inputs: [
      { shape: [2, 8, 12, 5], seed: 5, coarse: true },
      { shape: [2, 4, 6, 5], seed: 6 },
    ],
    run: (x, dy) => {
      const y = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
      const dx = run('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
      y.dispose();
      return dx;
    },
  },
  {
    name: 'ResizeBilinearGrad x2 align corners, non-square',
    inputs: [
      { shape: [2, 4, 6, 3], seed: 7 },
      { shape: [2, 8, 12, 3], seed: 8 },
    ],
    run: (images, dy) => run('ResizeBilinearGrad', { images, dy }, { alignCorners: true }),
  },
  {
    name: 'Slice of channels (the concat gradient)',
    inputs: [{ shape: [2, 6, 8, 7], seed: 9 }],
    run: (x) => tf.split(x, [3, 4], 3),
  },
  {
    name: 'gradient of batchNorm (training statistics)',
    inputs: [
      { shape: [2, 6, 8, 5], seed: 10 },
      { shape: [5], seed: 11 },
      { shape: [5], seed: 12 },
    ],
    run: gradsOf((x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
    }),
  },
  {
    name: 'gradient of erf (GELU)',
    inputs: [{ shape: [4, 33], seed: 13, scale: 3 }],
    run: gradsOf((x) => tf.erf(x)),
  },
  {
    name: 'gradient of the atrous conv (rate 2, space-to-batch)',
    inputs: [
      { shape: [2, 10, 14, 3], seed: 14 },
      { shape: [3, 3, 3, 4], seed: 15 },
    ],
    run: gradsOf((x, w) => atrousConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2)),
  },
  {
    name: 'gradient of a small conv net (conv, BN, ReLU, pool, upsample, concat)',
    inputs: [
      { shape: [2, 8, 12, 3], seed: 16 },
      { shape: [3, 3, 3, 4], seed: 17, scale: 0.5 },
      { shape: [3, 3, 4, 4], seed: 18, scale: 0.5 },
      { shape: [1, 1, 8, 1], seed: 19, scale: 0.5 },
      { shape: [4], seed: 20 },
      { shape: [4], seed: 21 },
    ],
    run: gradsOf((x, w1, w2, w3, gamma, beta) => {
      const a = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const b = tf.relu(tf.batchNorm(a, mean, variance, beta, gamma, 1e-5)) as tf.Tensor4D;
      const c = tf.conv2d(tf.maxPool(b, 2, 2, 'valid'), w2 as tf.Tensor4D, 1, 'same');
      const up = tf.image.resizeBilinear(c, [8, 12], true);
      return tf.conv2d(tf.concat([a, up], 3) as tf.Tensor4D, w3 as tf.Tensor4D, 1, 'valid');
    }),
  },
];
