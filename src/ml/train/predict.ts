/** Probability maps for display: sigmoid(logits) as Uint8 (0-255), read back with `await data()`. */
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../data/batches';
import type { Pairs } from '../../data/dataset';

export interface ProbabilityMap {
  name: string;
  width: number;
  height: number;
  /** sigmoid(logit) * 255, one byte a pixel. */
  probabilities: Uint8Array;
}

/** Predicts the listed pairs of `set` in batches; nothing but the Uint8 maps leaves the device. */
export async function predictProbabilities(model: tf.LayersModel, set: Pairs, indices: readonly number[], batchSize = 4): Promise<ProbabilityMap[]> {
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
        out.push({
          name: set.names[index],
          width: set.width,
          height: set.height,
          probabilities: Uint8Array.from(values.subarray(k * pixels, (k + 1) * pixels)),
        });
      });
    } finally {
      tf.dispose([batch.x, batch.y, bytes as tf.Tensor]);
    }
  }
  return out;
}

/**
 * sigmoid(model(x)) for a batch of images; with `flipTta` the mean of that and the mirrored
 * prediction of the mirrored images, mirrored back: (p(x) + flip(p(flip(x)))) / 2, which smooths
 * left/right asymmetries. The caller owns (and disposes) the result.
 */
export function probabilityTensor(model: tf.LayersModel, images: tf.Tensor4D, flipTta: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const direct = tf.sigmoid(model.predict(images) as tf.Tensor4D) as tf.Tensor4D;
    if (!flipTta) return direct;
    const mirrored = tf.sigmoid(model.predict(tf.reverse(images, 2)) as tf.Tensor4D);
    return tf.div(tf.add(direct, tf.reverse(mirrored, 2)), 2) as tf.Tensor4D;
  });
}

/** Probability map of one RGBA image already at the model's size, as round(255 * p), one byte a pixel. */
export async function predictRgba(
  model: tf.LayersModel,
  rgba: Uint8ClampedArray | Uint8Array,
  height: number,
  width: number,
  flipTta: boolean,
): Promise<Uint8Array> {
  const bytes = tf.tidy(() => {
    const image = tf
      .div(tf.slice(tf.tensor3d(new Int32Array(rgba), [height, width, 4], 'int32'), [0, 0, 0], [height, width, 3]), 255)
      .expandDims(0) as tf.Tensor4D;
    return tf.cast(tf.round(tf.mul(probabilityTensor(model, image, flipTta), 255)), 'int32');
  });
  try {
    return Uint8Array.from(await bytes.data());
  } finally {
    bytes.dispose();
  }
}
