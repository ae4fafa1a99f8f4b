/** Optimizers the studio offers, and a learning-rate setter that works on each of them while training. */
import * as tf from '@tensorflow/tfjs';

import { FusedAdamOptimizer } from './fusedAdam';
import { OPTIMIZER_NAMES, type OptimizerName } from './optimizerNames';

export { OPTIMIZER_NAMES, type OptimizerName } from './optimizerNames';

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  /** Momentum of SGD (heavy ball) and RMSprop. */
  momentum: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = { name: 'adam', learningRate: 1e-3, momentum: 0.9 };

export function createOptimizer({ name, learningRate, momentum }: OptimizerConfig): tf.Optimizer {
  switch (name) {
    case 'adam':
      // tf.train.adam's defaults; on wasm one pass over every variable instead of ~12 kernels each.
      return new FusedAdamOptimizer(learningRate, 0.9, 0.999);
    case 'sgd':
      return tf.train.momentum(learningRate, momentum);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, momentum);
    default: {
      const unknown: never = name;
      throw new Error(`Unknown optimizer "${unknown}". Choose one of: ${OPTIMIZER_NAMES.join(', ')}.`);
    }
  }
}

/**
 * Changes the rate used from the next step on. Adam and RMSprop read `learningRate` each step;
 * SGD and momentum cache it as a scalar that only `setLearningRate` refreshes.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new Error(`Learning rate ${learningRate} must be a positive finite number.`);
  }
  // Not `instanceof`: tfjs optimizers answer true to instanceof any optimizer class.
  const sgdLike = optimizer as unknown as { setLearningRate?: (rate: number) => void };
  if (typeof sgdLike.setLearningRate === 'function') {
    sgdLike.setLearningRate(learningRate);
  } else {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  }
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}
