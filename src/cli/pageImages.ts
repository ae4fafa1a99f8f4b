/**
 * The pixel work of `npm run predict`, in the driver page: scoring predictions against the folder's
 * masks (at the model's size, and at the photo's with each upscaling method), and encoding mask and
 * cut-out PNGs with the browser's own encoder.
 */
import { createBrowserDecoder } from '../data/decode';
import { binariseMask } from '../data/masks';
import { pairFiles, type Skipped } from '../data/pairing';
import type { Confusion, Metrics } from '../ml/metrics';
import { cutout } from '../data/cutout';
import { UPSCALE_METHODS, upscaleProbabilities, type UpscaleMethod } from '../data/guidedUpsample';
import type { RequestBody } from '../worker/client';
import { decodeFull } from '../worker/decodeFull';
import type { SourceFile } from '../data/ingest';
import type { PredictionResult, WorkerEvent } from '../worker/protocol';
import type { EvaluateOutcome, IngestOutcome, PhotoSizeMetrics, RenderedImage, StudioCliApi } from './api';

export interface PageContext {
  request<T>(body: RequestBody, settle: (event: WorkerEvent) => T | undefined, transfer?: Transferable[]): Promise<T>;
  files(): SourceFile[];
  lastIngest(): IngestOutcome | null;
  base64Of(bytes: Uint8Array<ArrayBuffer>): Promise<string>;
}

/** Results come back with their pixels: keep each request small so the page never holds thousands. */
const CHUNK = 32;

function predict(context: PageContext, body: Omit<Extract<RequestBody, { type: 'predict' }>, 'type'>): Promise<PredictionResult[]> {
  return context.request({ type: 'predict', ...body }, (event) => (event.type === 'prediction' ? event.results : undefined));
}

/** Same rule as training: car where sigmoid > threshold, i.e. byte > threshold * 255 (as the studio's cut-out). */
function confusion(probabilities: Uint8Array, mask: Uint8Array, threshold: number): Confusion {
  const limit = threshold * 255;
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let p = 0; p < mask.length; p++) {
    const predicted = probabilities[p] > limit;
    if (predicted) mask[p] ? counts.tp++ : counts.fp++;
    else mask[p] ? counts.fn++ : counts.tn++;
  }
  return counts;
}

export async function evaluateInput(
  context: PageContext,
  { model, height, width, flipTta, threshold }: Parameters<StudioCliApi['evaluateInput']>[0],
): Promise<EvaluateOutcome> {
  const loaded = context.lastIngest();
  if (!loaded) throw new Error('Load the folder before evaluating.');
  // Loaded lazily: the metric rules (empty-mask rule included) live beside tfjs in ml/metrics.
  const { metricsFromCounts, meanMetrics } = await import('../ml/metrics');
  const sources = context.files();
  const byPath = new Map(sources.map((s) => [s.path, s.blob]));
  const { pairs } = pairFiles(sources.map((s) => s.path));
  const byStem = new Map<string, string[]>();
  for (const pair of pairs) byStem.set(pair.stem, [...(byStem.get(pair.stem) ?? []), pair.mask, pair.image]);
  const decoder = createBrowserDecoder();
  const perImage: EvaluateOutcome['perImage'] = [];
  const skipped: Skipped[] = [];
  const total = loaded.split.test.pairs;
  let predictMs = 0;
  const upscaleMs: Record<UpscaleMethod, number> = { bilinear: 0, guided: 0 };
  for (let start = 0; start < total; start += CHUNK) {
    const testPairs = Array.from({ length: Math.min(CHUNK, total - start) }, (_, i) => start + i);
    const began = performance.now();
    const results = await predict(context, { model, images: [], testPairs, flipTta });
    predictMs += performance.now() - began;
    for (const result of results) {
      const [maskPath, imagePath] = byStem.get(result.name) ?? [];
      if (!maskPath || byStem.get(result.name)!.length > 2) {
        skipped.push({ file: imagePath ?? result.name, reason: 'its stem is shared by several pairs, so its mask is ambiguous' });
        continue;
      }
      // Decoded exactly as ingestion decodes masks: resized while decoding, then binarised.
      const reading = binariseMask(await decoder.decode(byPath.get(maskPath)!, width, height), width * height);
      const metrics: Metrics = metricsFromCounts(confusion(result.modelProbabilities, reading.mask, threshold));
      // The same map at the photo's own size, against the mask file at its own size.
      const [photo, truth] = await Promise.all([decodeFull(byPath.get(imagePath!)!), decodeFull(byPath.get(maskPath)!)]);
      if (photo.width !== truth.width || photo.height !== truth.height) {
        // Left out at both sizes, so that the two figures are over the same pairs.
        skipped.push({ file: imagePath!, reason: `its mask ${maskPath} is ${truth.width}x${truth.height}, the photo ${photo.width}x${photo.height}` });
        continue;
      }
      const fullMask = binariseMask(truth.rgba, truth.width * truth.height).mask;
      const atPhoto = {} as PhotoSizeMetrics;
      for (const method of UPSCALE_METHODS) {
        const began = performance.now();
        const map = upscaleProbabilities(result.modelProbabilities, width, height, photo.rgba, photo.width, photo.height, method);
        upscaleMs[method] += performance.now() - began;
        atPhoto[method] = metricsFromCounts(confusion(map, fullMask, threshold));
      }
      perImage.push({ file: imagePath!, ...metrics, photo: { width: photo.width, height: photo.height, ...atPhoto } });
    }
  }
  const photo = Object.fromEntries(UPSCALE_METHODS.map((method) => [method, meanMetrics(perImage.map((m) => m.photo[method]))])) as PhotoSizeMetrics;
  const count = Math.max(1, perImage.length);
  return {
    pairs: perImage.length,
    mean: meanMetrics(perImage),
    perImage,
    photo: { ...photo, msPerImage: { bilinear: upscaleMs.bilinear / count, guided: upscaleMs.guided / count } },
    skipped,
    msPerImage: total ? predictMs / total : 0,
  };
}

async function png(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, height: number, context: PageContext): Promise<string> {
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return context.base64Of(new Uint8Array(await blob.arrayBuffer()));
}

function maskRgba(probabilities: Uint8Array, threshold: number): Uint8ClampedArray<ArrayBuffer> {
  const limit = threshold * 255;
  const out = new Uint8ClampedArray(probabilities.length * 4);
  for (let p = 0; p < probabilities.length; p++) {
    const value = probabilities[p] > limit ? 255 : 0;
    out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = value;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Photos in the folder: paired images and images without a mask (masks and other files left out). */
export function photoPaths(paths: string[]): string[] {
  const { pairs, skipped } = pairFiles(paths);
  const lone = skipped.filter((s) => s.reason.startsWith('no mask found')).map((s) => s.file);
  return [...pairs.map((p) => p.image), ...lone].sort();
}

export async function renderInput(
  context: PageContext,
  { model, masks, cutouts, flipTta, threshold, from, count }: Parameters<StudioCliApi['renderInput']>[0],
): Promise<{ images: RenderedImage[]; total: number }> {
  const sources = context.files();
  const byPath = new Map(sources.map((s) => [s.path, s.blob]));
  const photos = photoPaths(sources.map((s) => s.path));
  const chosen = photos.slice(from, from + count);
  const results = await predict(context, { model, images: chosen.map((path) => ({ name: path, blob: byPath.get(path)! })), testPairs: [], flipTta });
  const images: RenderedImage[] = [];
  for (const result of results) {
    const { name: file, width, height } = result;
    if (result.error) {
      images.push({ file, width, height, maskPng: null, cutoutPng: null, error: result.error });
      continue;
    }
    images.push({
      file,
      width,
      height,
      maskPng: masks ? await png(maskRgba(result.probabilities, threshold), width, height, context) : null,
      cutoutPng: cutouts ? await png(cutout(result.rgba, result.probabilities, threshold), width, height, context) : null,
      error: null,
    });
  }
  return { images, total: photos.length };
}
