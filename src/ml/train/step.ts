/** One optimisation step on one batch. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/batches';
import { hybridLoss, type LossWeights } from '../loss';

// Batch lives in data/ (which makes it); re-exported for ml/ code that only trains on one.
export type { Batch };

/** The model's trainable variables (BatchNorm's moving statistics are updated by the forward pass instead). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** The model's forward pass in training mode (the default), or another one over its variables (model/anySize.ts). */
export type Forward = (x: tf.Tensor4D) => tf.Tensor;

/**
 * Forward in training mode, hybrid loss, gradients, optimizer update. Returns the loss as a
 * scalar the caller owns (read it with `await data()` only when it is shown); nothing else leaks.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: Batch,
  loss: LossWeights,
  variables: tf.Variable[] = trainableVariables(model),
  forward: Forward = (x) => model.apply(x, { training: true }) as tf.Tensor,
): tf.Scalar {
  const value = optimizer.minimize(() => hybridLoss(forward(batch.x), batch.y, loss), true, variables);
  if (!value) throw new Error('optimizer.minimize returned no loss.');
  return value;
}
