/**
 * Inference on new photos in the worker: decode at the model's size, predict (optionally with flip
 * test-time augmentation), and scale the probability map back to the photo's own size for the cut-out.
 */
import type * as tf from '@tensorflow/tfjs';
import { predictRgba } from '../ml/train/predict';
import { pairImage, pairMask, type Pairs, type PixelSet } from '../data/dataset';
import type { OverlaySource, PredictionResult } from './protocol';

async function decodeFull(blob: Blob): Promise<{ rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number; bitmap: ImageBitmap }> {
  const bitmap = await createImageBitmap(blob).catch((error: Error) => {
    throw new Error(`the browser could not decode it (${error.message || 'invalid image data'})`);
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  return { rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, width: bitmap.width, height: bitmap.height, bitmap };
}

function atSize(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Bilinear upscaling of a one-channel map through a canvas (its smoothing is the browser's). */
function scaleMap(map: Uint8Array, fromW: number, fromH: number, toW: number, toH: number): Uint8Array<ArrayBuffer> {
  const small = new OffscreenCanvas(fromW, fromH);
  const rgba = new Uint8ClampedArray(fromW * fromH * 4);
  for (let p = 0; p < map.length; p++) {
    rgba[p * 4] = rgba[p * 4 + 1] = rgba[p * 4 + 2] = map[p];
    rgba[p * 4 + 3] = 255;
  }
  small.getContext('2d')!.putImageData(new ImageData(rgba, fromW, fromH), 0, 0);
  const big = atSize(small, toW, toH);
  const out = new Uint8Array(toW * toH);
  for (let p = 0; p < out.length; p++) out[p] = big[p * 4];
  return out;
}

export async function predictFiles(model: tf.LayersModel, images: Array<{ name: string; blob: Blob }>, flipTta: boolean): Promise<PredictionResult[]> {
  const [, height, width] = model.inputs[0].shape as number[];
  const results: PredictionResult[] = [];
  for (const { name, blob } of images) {
    try {
      const full = await decodeFull(blob);
      const small = atSize(full.bitmap, width, height);
      full.bitmap.close();
      const probabilities = await predictRgba(model, small, height, width, flipTta);
      results.push({
        name,
        width: full.width,
        height: full.height,
        rgba: full.rgba,
        probabilities: scaleMap(probabilities, width, height, full.width, full.height),
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
