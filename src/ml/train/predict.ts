/** Probability maps for display: sigmoid(logits) as Uint8 (0-255), read back with `await data()`. */
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../data/batches';
import type { PixelSet } from '../../data/dataset';

export interface ProbabilityMap {
  name: string;
  width: number;
  height: number;
  /** sigmoid(logit) * 255, one byte a pixel. */
  probabilities: Uint8Array;
}

/** Predicts the listed pairs of `set` in batches; nothing but the Uint8 maps leaves the device. */
export async function predictProbabilities(model: tf.LayersModel, set: PixelSet, indices: readonly number[], batchSize = 4): Promise<ProbabilityMap[]> {
  const out: ProbabilityMap[] = [];
  const pixels = set.height * set.width;
  for (let start = 0; start < indices.length; start += batchSize) {
    const chunk = indices.slice(start, start + batchSize);
    const batch = makeBatch(set, chunk);
    let bytes: tf.Tensor | undefined;
    try {
      bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.sigmoid(model.predict(batch.x) as tf.Tensor), 255)), 'int32'));
      const values = await bytes.data();
      chunk.forEach((index, k) => {
        out.push({ name: set.names[index], width: set.width, height: set.height, probabilities: Uint8Array.from(values.subarray(k * pixels, (k + 1) * pixels)) });
      });
    } finally {
      tf.dispose([batch.x, batch.y, bytes as tf.Tensor]);
    }
  }
  return out;
}
