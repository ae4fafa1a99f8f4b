/** Uint8 pairs -> float tensors, in a seeded order that changes every epoch. */
import * as tf from '@tensorflow/tfjs';
import { pairImage, pairMask, type Pairs } from './dataset';
import { createRng, hashString, shuffleInPlace } from './random';

/** What a training or evaluation step takes: here, so that data/ needs nothing from ml/. */
export interface Batch {
  /** Images, [B, H, W, 3] in [0, 1]. */
  x: tf.Tensor4D;
  /** Masks, [B, H, W, 1] in {0, 1}. */
  y: tf.Tensor4D;
}

/** The order of pairs for one epoch: a permutation that depends only on (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return shuffleInPlace(order, createRng(hashString(`${seed}:${epoch}`)));
}

/** Stacks pairs into x [B, H, W, 3] in [0, 1] and y [B, H, W, 1] in {0, 1}. */
export function makeBatch(set: Pairs, indices: readonly number[]): Batch {
  const { height, width } = set;
  const pixels = height * width;
  const images = new Uint8Array(indices.length * pixels * 3);
  const masks = new Uint8Array(indices.length * pixels);
  indices.forEach((source, k) => {
    images.set(pairImage(set, source), k * pixels * 3);
    masks.set(pairMask(set, source), k * pixels);
  });
  return tf.tidy(() => {
    const x = tf.div(tf.tensor4d(images, [indices.length, height, width, 3], 'int32'), 255) as tf.Tensor4D;
    const y = tf.cast(tf.tensor4d(masks, [indices.length, height, width, 1], 'int32'), 'float32') as tf.Tensor4D;
    return { x, y };
  });
}

/**
 * A batch at another size, half-pixel bilinear: at half the size each output pixel is the mean of a 2x2
 * block. Masks become soft at car edges, which the hybrid loss takes as they are.
 */
export function resizeBatch(batch: Batch, height: number, width: number): Batch {
  return tf.tidy(() => ({
    x: tf.image.resizeBilinear(batch.x, [height, width], false, true),
    y: tf.image.resizeBilinear(batch.y, [height, width], false, true),
  }));
}

/** Consecutive slices of `order` of at most `batchSize` (the last may be short). */
export function chunk(order: readonly number[], batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Batch size ${batchSize} must be a positive integer.`);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/** Lazily built batches over all pairs in order (for evaluation); each is disposed by its consumer. */
export function* sequentialBatches(set: Pairs, batchSize: number): Generator<Batch> {
  for (const indices of chunk(
    Array.from({ length: set.count }, (_, i) => i),
    batchSize,
  )) {
    yield makeBatch(set, indices);
  }
}
