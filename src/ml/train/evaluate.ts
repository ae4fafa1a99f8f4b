/** An evaluation pass: loss and per-image metrics over a stream of batches. */
import * as tf from '@tensorflow/tfjs';
import { hybridLoss, type LossWeights } from '../loss';
import { confusionCounts, meanMetrics, metricsFromCounts, unpackCounts, type Confusion, type Metrics } from '../metrics';
import type { Batch } from './step';

export interface Evaluation {
  /** Mean loss over images. */
  loss: number;
  perImage: Array<Metrics & Confusion>;
  mean: Metrics;
}

/**
 * Runs the model in inference mode over `batches` and disposes each batch after use. Reads back
 * one small [B, 5] tensor per batch (the loss and four counts), never the predictions.
 */
export async function evaluate(model: tf.LayersModel, batches: Iterable<Batch>, loss: LossWeights, threshold = 0.5): Promise<Evaluation> {
  const perImage: Array<Metrics & Confusion> = [];
  let lossSum = 0;
  for (const batch of batches) {
    let summary: tf.Tensor | undefined;
    try {
      summary = tf.tidy(() => {
        const logits = model.apply(batch.x, { training: false }) as tf.Tensor;
        const batchLoss = hybridLoss(logits, batch.y, loss);
        return tf.concat([tf.reshape(batchLoss, [1]), tf.reshape(confusionCounts(logits, batch.y, threshold), [-1])]);
      });
      const values = await summary.data();
      const counts = unpackCounts(values.subarray(1));
      lossSum += values[0] * counts.length;
      for (const c of counts) perImage.push({ ...c, ...metricsFromCounts(c) });
    } finally {
      summary?.dispose();
      tf.dispose([batch.x, batch.y]);
    }
  }
  return { loss: perImage.length ? lossSum / perImage.length : NaN, perImage, mean: meanMetrics(perImage) };
}
