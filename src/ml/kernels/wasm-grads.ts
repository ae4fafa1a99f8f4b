/**
 * Gradient overrides that take effect on the wasm backend only; every other backend keeps tfjs's
 * own gradient unchanged.
 *
 * Tile: tfjs sums the tiled copies with one Slice and one Add per repetition. tfjs-layers'
 * LayerNormalization tiles gamma and beta over [batch, tokens] (and mean/variance over channels),
 * so its gradient alone costs ~2,000 kernel calls a step. A reshape to [r0, s0, r1, s1, ...] and
 * one Sum over the r axes computes the same sums.
 *
 * FusedBatchNorm: one pass computes all five derivatives (wasm-batchnorm.ts).
 *
 * Mean: tfjs spreads dy with ones(x.shape) * dy / n (a fill and two full-size passes); dividing
 * the small dy first and broadcasting it (wasm-layout's Tile, a memmove) is one pass.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD } from './wasm-batchnorm';

type GradFunc = tf.GradConfig['gradFunc'];

/** Uses `wasm` on the wasm backend when `applies`, tfjs's own gradient otherwise. */
function onWasm(original: tf.GradConfig, wasm: GradFunc, applies: (saved: tf.Tensor[]) => boolean = () => true): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) =>
      tf.getBackend() === 'wasm' && !Array.isArray(dy) && applies(saved) ? wasm(dy, saved, attrs) : original.gradFunc(dy, saved, attrs),
  };
}

const tileGrad: GradFunc = (dy, saved, attrs) => {
  const [x] = saved;
  const { reps } = attrs as unknown as { reps: number[] };
  return {
    x: () => {
      const split = x.shape.flatMap((size, d) => [reps[d], size]);
      return tf.reshape(
        tf.sum(
          tf.reshape(dy as tf.Tensor, split),
          reps.map((_, d) => 2 * d),
        ),
        x.shape,
      );
    },
  };
};

const meanGrad: GradFunc = (dy, saved, attrs) => {
  const [x] = saved;
  const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const kept = x.shape.map((size, d) => (axes.includes(d) ? 1 : size));
  return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), count), x.shape) };
};

/** Per-channel statistics and scale (rank 1, the last axis' size): the case the fused kernel handles. */
const channelStats = ([x, mean, variance, scale]: tf.Tensor[]) => {
  const channels = x.shape[x.rank - 1];
  const perChannel = (t: tf.Tensor | undefined) => t === undefined || (t.rank === 1 && t.shape[0] === channels && t.dtype === 'float32');
  return x.dtype === 'float32' && perChannel(mean) && perChannel(variance) && perChannel(scale);
};

/**
 * Runs the fused kernel once, when the gradient is requested: tfjs runs each input's thunk in its
 * own tidy, so parts made inside one thunk would be freed before the next; parts made here live in
 * the backward pass's scope, which frees whichever the engine does not use.
 */
const batchNormGrad: GradFunc = (dy, saved, attrs) => {
  const [x, mean, variance, scale] = saved;
  const parts = tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy: dy as tf.Tensor, mean, variance, ...(scale ? { scale } : {}) }, attrs) as tf.Tensor[];
  return { x: () => parts[0], mean: () => parts[1], variance: () => parts[2], scale: () => parts[3], offset: () => parts[4] };
};

function override(name: string, wasm: GradFunc, applies?: (saved: tf.Tensor[]) => boolean): void {
  const original = tf.getGradient(name);
  if (!original) return;
  tf.unregisterGradient(name);
  tf.registerGradient(onWasm(original, wasm, applies));
}

let registered = false;

export function registerWasmGradients(): void {
  if (registered) return;
  registered = true;
  override('Tile', tileGrad);
  override('Mean', meanGrad);
  override('FusedBatchNorm', batchNormGrad, channelStats);
}
