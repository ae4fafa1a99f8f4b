/**
 * Thresholded segmentation metrics. Per image: TP/FP/FN/TN -> Dice, IoU, precision, recall,
 * accuracy; a split's figure is the mean over images (Kaggle's Carvana metric is mean per-image Dice).
 *
 * Empty-mask rule: a ratio whose denominator is 0 scores 1 when the prediction and the mask are
 * both empty (nothing to find, nothing found), and 0 otherwise.
 */
import * as tf from '@tensorflow/tfjs';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Metrics {
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  accuracy: number;
}

export const METRIC_NAMES = ['dice', 'iou', 'precision', 'recall', 'accuracy'] as const;

/** Probability threshold -> logit threshold, so thresholding needs no sigmoid. */
export function logitThreshold(threshold: number): number {
  if (!(threshold > 0 && threshold < 1)) throw new Error(`Threshold ${threshold} must be strictly between 0 and 1.`);
  return Math.log(threshold / (1 - threshold));
}

/**
 * Per-image counts as a [B, 4] tensor (tp, fp, fn, tn), computed on the device.
 * A pixel is predicted positive when sigmoid(logit) > threshold; targets are {0, 1}.
 */
export function confusionCounts(logits: tf.Tensor, targets: tf.Tensor, threshold = 0.5): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = logits.shape[0] as number;
    const predicted = tf.cast(tf.greater(tf.reshape(logits, [batch, -1]), logitThreshold(threshold)), 'float32');
    const truth = tf.reshape(targets, [batch, -1]);
    const tp = tf.sum(tf.mul(predicted, truth), 1);
    const predictedPositive = tf.sum(predicted, 1);
    const actualPositive = tf.sum(truth, 1);
    const fp = tf.sub(predictedPositive, tp);
    const fn = tf.sub(actualPositive, tp);
    const pixels = truth.shape[1] as number;
    const tn = tf.sub(tf.sub(tf.sub(pixels, tp), fp), fn);
    return tf.stack([tp, fp, fn, tn], 1) as tf.Tensor2D;
  });
}

/** Splits the flat data of a [B, 4] counts tensor into one Confusion per image. */
export function unpackCounts(flat: ArrayLike<number>): Confusion[] {
  const out: Confusion[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    out.push({ tp: flat[i], fp: flat[i + 1], fn: flat[i + 2], tn: flat[i + 3] });
  }
  return out;
}

function ratio(numerator: number, denominator: number, bothEmpty: boolean): number {
  if (denominator === 0) return bothEmpty ? 1 : 0;
  return numerator / denominator;
}

export function metricsFromCounts({ tp, fp, fn, tn }: Confusion): Metrics {
  const bothEmpty = tp + fp + fn === 0;
  return {
    dice: ratio(2 * tp, 2 * tp + fp + fn, bothEmpty),
    iou: ratio(tp, tp + fp + fn, bothEmpty),
    precision: ratio(tp, tp + fp, bothEmpty),
    recall: ratio(tp, tp + fn, bothEmpty),
    accuracy: ratio(tp + tn, tp + fp + fn + tn, bothEmpty),
  };
}

/** Mean of each metric over images (NaN for no images, so an empty split is never read as perfect). */
export function meanMetrics(perImage: readonly Metrics[]): Metrics {
  const mean = {} as Metrics;
  for (const name of METRIC_NAMES) {
    mean[name] = perImage.length === 0 ? NaN : perImage.reduce((s, m) => s + m[name], 0) / perImage.length;
  }
  return mean;
}
