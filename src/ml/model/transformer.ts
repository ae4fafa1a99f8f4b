/**
 * The ViT bottleneck of TransUNet: tokens from the 1/16 feature map, learned position
 * embeddings, pre-norm encoder blocks (multi-head self-attention + 4x GELU MLP), projection back.
 */
import * as tf from '@tensorflow/tfjs';
import type { TransformerConfig } from './presets';

const LAYER_NORM_EPSILON = 1e-6;

function lastDim(inputShape: tf.Shape | tf.Shape[]): number {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  return shape[shape.length - 1] as number;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Exact GELU, x * Phi(x); erf has a gradient on every backend we use. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta);
  });
}

/** x[B, N, d] @ w[d, e] + b, as a 2-D matmul (the fast path on every backend). */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [batch, tokens, width] = x.shape as [number, number, number];
    const flat = tf.matMul(tf.reshape(x, [batch * tokens, width]), w as tf.Tensor2D);
    return tf.reshape(tf.add(flat, b), [batch, tokens, w.shape[1] as number]);
  });
}

/** Adds a learned [tokens, dModel] position embedding to a [B, tokens, dModel] sequence. */
export class PositionEmbedding extends tf.layers.Layer {
  static className = 'PositionEmbedding';
  private embedding!: tf.LayerVariable;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const tokens = shape[1];
    if (tokens == null) throw new Error('PositionEmbedding needs a fixed number of tokens (a fixed input size).');
    this.embedding = this.addWeight('embedding', [tokens, lastDim(inputShape)], 'float32', tf.initializers.truncatedNormal({ stddev: 0.02 }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(single(inputs), this.embedding.read()));
  }

  /**
   * Adds the table to tokens of another grid than it was built for (images of another size): the
   * table, read as its builtGrid map, is resized bilinearly to `grid` (half-pixel centres), as ViT does at
   * a new resolution. The resize is a matrix product, whose gradient is exact: tfjs's resizeBilinear
   * gradient ignores half-pixel centres (measured: it sent every 2x2 block's gradient to one corner).
   */
  addOnGrid(tokens: tf.Tensor, grid: [number, number], builtGrid: [number, number]): tf.Tensor {
    const [builtHeight, builtWidth] = builtGrid;
    if (builtHeight * builtWidth !== this.embedding.shape[0]) {
      throw new Error(`${this.name}: a ${builtHeight}x${builtWidth} grid does not match the table's ${this.embedding.shape[0]} positions.`);
    }
    if (grid[0] === builtHeight && grid[1] === builtWidth) return this.call(tokens);
    return tf.tidy(() => {
      const resize = tf.tensor2d(gridResizeMatrix(builtGrid, grid), [grid[0] * grid[1], builtHeight * builtWidth]);
      return tf.add(tokens, tf.matMul(resize, this.embedding.read() as tf.Tensor2D));
    });
  }
}

/** Weights of half-pixel bilinear interpolation from `from` samples to `to`, as TensorFlow's resize computes them. */
export function bilinearWeights(from: number, to: number): Array<Array<[number, number]>> {
  return Array.from({ length: to }, (_, i) => {
    const source = Math.min(Math.max((i + 0.5) * (from / to) - 0.5, 0), from - 1);
    const low = Math.floor(source);
    const high = Math.min(low + 1, from - 1);
    const fraction = source - low;
    return high === low
      ? [[low, 1]]
      : [
          [low, 1 - fraction],
          [high, fraction],
        ];
  });
}

/** The [to.h * to.w, from.h * from.w] matrix that resizes a row-major grid of positions bilinearly. */
export function gridResizeMatrix(from: [number, number], to: [number, number]): Float32Array {
  const rows = bilinearWeights(from[0], to[0]);
  const cols = bilinearWeights(from[1], to[1]);
  const matrix = new Float32Array(to[0] * to[1] * from[0] * from[1]);
  for (let i = 0; i < to[0]; i++) {
    for (let j = 0; j < to[1]; j++) {
      const row = (i * to[1] + j) * from[0] * from[1];
      for (const [r, wr] of rows[i]) for (const [c, wc] of cols[j]) matrix[row + r * from[1] + c] += wr * wc;
    }
  }
  return matrix;
}
tf.serialization.registerClass(PositionEmbedding);

export interface TransformerBlockArgs {
  heads: number;
  mlpRatio?: number;
  name?: string;
}

/** One pre-norm encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)). */
export class TransformerBlock extends tf.layers.Layer {
  static className = 'TransformerBlock';
  private readonly heads: number;
  private readonly mlpRatio: number;
  private weightsByName: Record<string, tf.LayerVariable> = {};

  constructor(args: TransformerBlockArgs) {
    super(args);
    this.heads = args.heads;
    this.mlpRatio = args.mlpRatio ?? 4;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = lastDim(inputShape);
    if (d % this.heads !== 0) throw new Error(`TransformerBlock: width ${d} is not divisible by ${this.heads} heads.`);
    const hidden = d * this.mlpRatio;
    const glorot = () => tf.initializers.glorotUniform({});
    const shapes: Array<[string, number[], ReturnType<typeof tf.initializers.ones>]> = [
      ['ln1_gamma', [d], tf.initializers.ones()],
      ['ln1_beta', [d], tf.initializers.zeros()],
      ['qkv_kernel', [d, 3 * d], glorot()],
      ['qkv_bias', [3 * d], tf.initializers.zeros()],
      ['out_kernel', [d, d], glorot()],
      ['out_bias', [d], tf.initializers.zeros()],
      ['ln2_gamma', [d], tf.initializers.ones()],
      ['ln2_beta', [d], tf.initializers.zeros()],
      ['mlp1_kernel', [d, hidden], glorot()],
      ['mlp1_bias', [hidden], tf.initializers.zeros()],
      ['mlp2_kernel', [hidden, d], glorot()],
      ['mlp2_bias', [d], tf.initializers.zeros()],
    ];
    for (const [name, shape, init] of shapes) this.weightsByName[name] = this.addWeight(name, shape, 'float32', init);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const w = (name: string) => this.weightsByName[name].read();
      const x = single(inputs);
      const [batch, tokens, d] = x.shape as [number, number, number];
      const headDim = d / this.heads;

      const qkv = linear(layerNorm(x, w('ln1_gamma'), w('ln1_beta')), w('qkv_kernel'), w('qkv_bias'));
      // [B, N, 3, heads, dh] -> [3, B, heads, N, dh]
      const split = tf.transpose(tf.reshape(qkv, [batch, tokens, 3, this.heads, headDim]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(split, 0) as tf.Tensor4D[];
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
      const attended = tf.matMul(tf.softmax(scores, -1), v);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, tokens, d]);
      const afterAttention = tf.add(x, linear(merged, w('out_kernel'), w('out_bias')));

      const normed = layerNorm(afterAttention, w('ln2_gamma'), w('ln2_beta'));
      const mlp = linear(gelu(linear(normed, w('mlp1_kernel'), w('mlp1_bias'))), w('mlp2_kernel'), w('mlp2_bias'));
      return tf.add(afterAttention, mlp);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, mlpRatio: this.mlpRatio };
  }
}
tf.serialization.registerClass(TransformerBlock);

/**
 * Applies the ViT bottleneck to a symbolic [B, h, w, C] feature map and returns a map of the same shape.
 * `prefix` names the layers so checkpoints read well.
 */
export function vitBottleneck(features: tf.SymbolicTensor, config: TransformerConfig, prefix = 'vit'): tf.SymbolicTensor {
  const [, h, w, channels] = features.shape as [null, number, number, number];
  let tokens = tf.layers.reshape({ targetShape: [h * w, channels], name: `${prefix}_tokens` }).apply(features) as tf.SymbolicTensor;
  tokens = tf.layers.dense({ units: config.dModel, name: `${prefix}_embed` }).apply(tokens) as tf.SymbolicTensor;
  tokens = new PositionEmbedding({ name: `${prefix}_position` }).apply(tokens) as tf.SymbolicTensor;
  for (let i = 0; i < config.depth; i++) {
    tokens = new TransformerBlock({ heads: config.heads, mlpRatio: config.mlpRatio, name: `${prefix}_block${i + 1}` }).apply(tokens) as tf.SymbolicTensor;
  }
  tokens = tf.layers.layerNormalization({ epsilon: LAYER_NORM_EPSILON, name: `${prefix}_norm` }).apply(tokens) as tf.SymbolicTensor;
  tokens = tf.layers.dense({ units: channels, name: `${prefix}_project` }).apply(tokens) as tf.SymbolicTensor;
  return tf.layers.reshape({ targetShape: [h, w, channels], name: `${prefix}_map` }).apply(tokens) as tf.SymbolicTensor;
}
