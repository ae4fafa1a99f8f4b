/**
 * Segmentation losses on LOGITS. The seed applied BCE-with-logits to probabilities (a double
 * sigmoid that cannot go below ~0.124); here sigmoid lives only inside these functions.
 */
import * as tf from '@tensorflow/tfjs';

export interface LossWeights {
  /** Weight of binary cross-entropy. */
  bce: number;
  /** Weight of (1 - soft Dice). */
  dice: number;
  /** Weight of focal loss (gamma `focalGamma`). */
  focal: number;
  focalGamma: number;
}

/** The seed's hybrid: 0.2 BCE + 0.8 (1 - Dice). */
export const DEFAULT_LOSS: LossWeights = { bce: 0.2, dice: 0.8, focal: 0, focalGamma: 2 };

/** Element-wise BCE in the stable form max(x, 0) - x*y + log(1 + exp(-|x|)). */
function bceElements(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

/** Mean binary cross-entropy of logits against {0,1} targets. */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(bceElements(logits, targets)) as tf.Scalar);
}

/** Soft Dice of sigmoid(logits), per image with `smooth`, averaged over the batch. */
export function softDice(logits: tf.Tensor, targets: tf.Tensor, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const batch = logits.shape[0] as number;
    const probs = tf.reshape(tf.sigmoid(logits), [batch, -1]);
    const truth = tf.reshape(targets, [batch, -1]);
    const intersection = tf.sum(tf.mul(probs, truth), 1);
    const total = tf.add(tf.sum(probs, 1), tf.sum(truth, 1));
    return tf.mean(tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(total, smooth))) as tf.Scalar;
  });
}

/** Focal loss (Lin et al.): mean of (1 - p_t)^gamma * BCE, without class weighting. */
export function focalLoss(logits: tf.Tensor, targets: tf.Tensor, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const probs = tf.sigmoid(logits);
    const pTrue = tf.add(tf.mul(probs, targets), tf.mul(tf.sub(1, probs), tf.sub(1, targets)));
    return tf.mean(tf.mul(tf.pow(tf.sub(1, pTrue), gamma), bceElements(logits, targets))) as tf.Scalar;
  });
}

/** wBce * BCE + wDice * (1 - softDice) + wFocal * focal; terms with weight 0 are not computed. */
export function hybridLoss(logits: tf.Tensor, targets: tf.Tensor, weights: LossWeights = DEFAULT_LOSS): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    if (weights.bce !== 0) total = tf.add(total, tf.mul(weights.bce, bceWithLogits(logits, targets)));
    if (weights.dice !== 0) total = tf.add(total, tf.mul(weights.dice, tf.sub(1, softDice(logits, targets))));
    if (weights.focal !== 0) {
      total = tf.add(total, tf.mul(weights.focal, focalLoss(logits, targets, weights.focalGamma)));
    }
    return total as tf.Scalar;
  });
}
