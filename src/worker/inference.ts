/**
 * Inference on new photos in the worker: decode at the model's size (as ingestion decodes), predict
 * (optionally with flip test-time augmentation), and bring the probability map to the photo's own
 * size edge-aware (data/guidedUpsample: bilinear, then the guided filter with the full-size photo as
 * guide) for the mask and the cut-out.
 */
import type * as tf from '@tensorflow/tfjs';
import { predictRgba } from '../ml/train/predict';
import { pairImage, pairMask, type Pairs, type PixelSet } from '../data/dataset';
import { createBrowserDecoder } from '../data/decode';
import { upscaleProbabilities } from '../data/guidedUpsample';
import { decodeFull } from './decodeFull';
import type { OverlaySource, PredictionResult } from './protocol';

export async function predictFiles(model: tf.LayersModel, images: Array<{ name: string; blob: Blob }>, flipTta: boolean): Promise<PredictionResult[]> {
  const [, height, width] = model.inputs[0].shape as number[];
  const results: PredictionResult[] = [];
  // The model sees the photo exactly as it saw training and test pairs: resized while decoding.
  const decoder = createBrowserDecoder();
  for (const { name, blob } of images) {
    try {
      const full = await decodeFull(blob);
      const small = await decoder.decode(blob, width, height);
      const probabilities = await predictRgba(model, small, height, width, flipTta);
      results.push({
        name,
        width: full.width,
        height: full.height,
        rgba: full.rgba,
        probabilities: upscaleProbabilities(probabilities, width, height, full.rgba, full.width, full.height, 'guided'),
        modelProbabilities: probabilities as Uint8Array<ArrayBuffer>,
        error: null,
      });
    } catch (error) {
      results.push({
        name,
        width: 0,
        height: 0,
        rgba: new Uint8ClampedArray(0),
        probabilities: new Uint8Array(0),
        modelProbabilities: new Uint8Array(0),
        error: `${name}: ${(error as Error).message}`,
      });
    }
  }
  return results;
}

/** Test-split pairs are already at the model's size. */
export async function predictPairs(model: tf.LayersModel, set: PixelSet, indices: number[], flipTta: boolean): Promise<PredictionResult[]> {
  const { height, width } = set;
  const pixels = height * width;
  const results: PredictionResult[] = [];
  for (const index of indices) {
    const rgba = new Uint8ClampedArray(pixels * 4);
    for (let p = 0; p < pixels; p++) {
      rgba.set(set.images.subarray((index * pixels + p) * 3, (index * pixels + p) * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    const probabilities = (await predictRgba(model, rgba, height, width, flipTta)) as Uint8Array<ArrayBuffer>;
    results.push({ name: set.names[index], width, height, rgba, probabilities, modelProbabilities: probabilities.slice(), error: null });
  }
  return results;
}

/** The photo (RGB) and ground truth of pair `index` of a set, copied out for the page to draw. */
export function overlaySource(set: Pairs, index: number): OverlaySource {
  // Copies of one pair: they are transferred to the page, and the set stays the worker's.
  return { name: set.names[index], width: set.width, height: set.height, rgb: pairImage(set, index).slice(), mask: pairMask(set, index).slice() };
}
