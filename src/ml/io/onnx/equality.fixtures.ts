/**
 * Shared by the ONNX tests: seeded non-trivial weights, real sample photos at the model's size,
 * running an exported file in ONNX Runtime (onnxruntime-node, CPU), and the comparison rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPreset } from '../../model/build';
import type { PresetName } from '../../model/presets';
import { modelToOnnx } from './export';
import { decodeJpeg } from '../../../data/encode';
import { createRng } from '../../../data/random';

/** Logits agree within 1e-4, absolute, or relative where |x| > 1. */
export const LOGIT_TOLERANCE = 1e-4;
/** Masks at 0.5 agree on at least this fraction of pixels. */
export const MASK_AGREEMENT = 0.9999;

export const SAMPLE_DIR = path.resolve(import.meta.dirname, '../../../../../shared/data/carvana512-sample/train');

function normal(rng: () => number): number {
  // Box-Muller; 1 - u keeps log away from 0.
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * Replaces every weight with seeded values that make mapping mistakes visible: kernels at He scale,
 * non-zero biases, and BatchNorm / LayerNorm parameters and moving statistics far from 1 and 0.
 */
export function seedWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const values = model.weights.map((variable) => {
    const shape = variable.shape as number[];
    const name = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
    const draw: () => number = /kernel$/.test(name)
      ? () => normal(rng) * Math.sqrt((shape.length === 4 ? 2 : 1) / fanIn)
      : /gamma$/.test(name)
        ? () => uniform(0.6, 1.4)
        : name === 'moving_mean'
          ? () => uniform(-0.3, 0.3)
          : name === 'moving_variance'
            ? () => uniform(0.5, 2)
            : name === 'embedding'
              ? () => normal(rng) * 0.1
              : /(beta|bias)$/.test(name)
                ? () => uniform(-0.2, 0.2)
                : () => {
                    throw new Error(`seedWeights: no rule for weight "${variable.originalName}"`);
                  };
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = draw();
    return tf.tensor(data, shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** `count` sample photos (sorted names from `offset`), RGB in [0, 1], box-resized to height x width. */
export function samplePhotos(count: number, height: number, width: number, offset = 0): Float32Array[] {
  const names = readdirSync(SAMPLE_DIR)
    .filter((n) => n.endsWith('.jpg'))
    .sort()
    .slice(offset, offset + count);
  if (names.length < count) throw new Error(`${SAMPLE_DIR} holds fewer than ${offset + count} photos`);
  return names.map((name) => boxResize(decodeJpeg(readFileSync(path.join(SAMPLE_DIR, name))), height, width));
}

/**
 * Area-average resize: real photos at the model's size for the equality check (the studio's own
 * decoder is a cubic sample, but any realistic pixels test the export); then / 255. HWC float32.
 */
export function boxResize(image: { width: number; height: number; rgb: Uint8Array }, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width * 3);
  const sy = image.height / height;
  const sx = image.width / width;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy),
      y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx),
        x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let v = y0; v < y1; v++) for (let u = x0; u < x1; u++) sum += image.rgb[(v * image.width + u) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.round(sum / ((y1 - y0) * (x1 - x0))) / 255;
      }
    }
  }
  return out;
}

/** Seeded uniform [0, 1) image, HWC. */
export function randomImage(height: number, width: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: height * width * 3 }, () => rng());
}

/** HWC images -> one NCHW batch for ONNX Runtime. */
export function toNchw(images: readonly Float32Array[], height: number, width: number): ort.Tensor {
  const plane = height * width;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((image, n) => {
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) data[(n * 3 + c) * plane + p] = image[p * 3 + c]!;
  });
  return new ort.Tensor('float32', data, [images.length, 3, height, width]);
}

/** tfjs logits of HWC images, as NCHW [N, 1, H, W] values (one channel: the same order as NHWC). */
export async function tfjsLogits(model: tf.LayersModel, images: readonly Float32Array[], height: number, width: number): Promise<Float32Array> {
  const batch = tf.tensor4d(Float32Array.from(images.flatMap((i) => Array.from(i))), [images.length, height, width, 3]);
  const logits = model.predict(batch) as tf.Tensor;
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    tf.dispose([batch, logits]);
  }
}

export async function ortLogits(
  session: ort.InferenceSession,
  images: readonly Float32Array[],
  height: number,
  width: number,
): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const image = toNchw(images, height, width);
  const { logits } = await session.run({ image });
  image.dispose();
  const result = { dims: [...logits!.dims], data: new Float32Array(logits!.data as Float32Array) };
  logits!.dispose();
  return result;
}

export interface Comparison {
  maxAbs: number;
  /** max |a - b| / max(1, |b|): what the tolerance bounds. */
  maxScaled: number;
  /** Fraction of pixels whose masks at probability 0.5 (logit 0) agree. */
  maskAgreement: number;
  /** Fraction of pixels tfjs calls car: a degenerate all-car or no-car model would make the mask check empty. */
  positive: number;
}

export function compare(actual: Float32Array, expected: Float32Array): Comparison {
  if (actual.length !== expected.length) throw new Error(`${actual.length} logits against ${expected.length}`);
  let maxAbs = 0,
    maxScaled = 0,
    agree = 0,
    positive = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    maxAbs = Math.max(maxAbs, Number.isNaN(diff) ? Infinity : diff);
    maxScaled = Math.max(maxScaled, Number.isNaN(diff) ? Infinity : diff / Math.max(1, Math.abs(expected[i]!)));
    // NaN agrees with nothing.
    if (!Number.isNaN(diff) && actual[i]! > 0 === expected[i]! > 0) agree++;
    if (expected[i]! > 0) positive++;
  }
  return { maxAbs, maxScaled, maskAgreement: agree / actual.length, positive: positive / actual.length };
}

/**
 * Shifts the last layer's bias so that about half the pixels are car: random weights tend to call
 * every pixel one class, which would leave the mask check nothing to compare. The median comes from
 * ONNX Runtime because it is fast; the check that follows is against tfjs, so this proves nothing by itself.
 */
async function centerLogits(model: tf.LayersModel, file: Uint8Array, images: readonly Float32Array[], height: number, width: number): Promise<void> {
  const session = await ort.InferenceSession.create(file);
  const { data } = await ortLogits(session, images, height, width);
  await session.release();
  // Halfway between the two middle logits: no pixel sits on the threshold itself, where a 1e-6
  // difference would flip a coin (one pixel of a 32x32 batch of 3 is 0.03%, over the 0.01% allowed).
  const sorted = Float32Array.from(data).sort();
  const median = (sorted[(data.length >> 1) - 1]! + sorted[data.length >> 1]!) / 2;
  const last = model.layers[model.layers.length - 1]!;
  const [kernel, bias] = last.getWeights();
  if (!kernel || !bias) throw new Error(`centerLogits: the last layer "${last.name}" has no bias`);
  const shifted = tf.sub(bias, median);
  last.setWeights([kernel, shifted]);
  shifted.dispose(); // kernel and bias are the layer's own variables: not ours to dispose
}

export interface PresetCheck {
  label: string;
  bytes: number;
  exportMs: number;
  /** Batch 3 (one random image, two photos) and the two batch-1 runs, each against tfjs. */
  batch3: Comparison;
  batch1Random: Comparison;
  batch1Photo: Comparison;
  dims: readonly number[];
}

/**
 * Builds `preset` at height x width with seeded weights, exports it, and runs tfjs (cpu) once on
 * [random, photo, photo] and ONNX Runtime on that batch and on one image of each kind alone.
 */
export async function checkPreset(
  build: () => tf.LayersModel,
  height: number,
  width: number,
  seed: number,
  exportModel: (model: tf.LayersModel) => Promise<Uint8Array>,
): Promise<PresetCheck> {
  const model = build();
  try {
    seedWeights(model, seed);
    const images = [randomImage(height, width, seed), ...samplePhotos(2, height, width, seed % 64)];
    await centerLogits(model, await exportModel(model), images, height, width);
    const started = performance.now();
    const file = await exportModel(model);
    const exportMs = performance.now() - started;
    const expected = await tfjsLogits(model, images, height, width);
    const session = await ort.InferenceSession.create(file);
    try {
      const plane = height * width;
      const batch = await ortLogits(session, images, height, width);
      const random = await ortLogits(session, images.slice(0, 1), height, width);
      const photo = await ortLogits(session, images.slice(1, 2), height, width);
      return {
        label: `${model.name} ${height}x${width}`,
        bytes: file.byteLength,
        exportMs,
        batch3: compare(batch.data, expected),
        batch1Random: compare(random.data, expected.subarray(0, plane)),
        batch1Photo: compare(photo.data, expected.subarray(plane, 2 * plane)),
        dims: batch.dims,
      };
    } finally {
      await session.release();
    }
  } finally {
    model.dispose();
  }
}

/** The equality rules on one preset check; prints the figures the README and reports quote. */
export function expectEqual(check: PresetCheck, height: number, width: number): void {
  expect(check.dims).toEqual([3, 1, height, width]);
  for (const [name, c] of Object.entries({ batch3: check.batch3, batch1Random: check.batch1Random, batch1Photo: check.batch1Photo })) {
    expect(c.maxScaled, `${check.label} ${name}: largest logit error`).toBeLessThanOrEqual(LOGIT_TOLERANCE);
    expect(c.maskAgreement, `${check.label} ${name}: mask agreement`).toBeGreaterThanOrEqual(MASK_AGREEMENT);
  }
  // Both classes present, or the mask check would be empty.
  expect(check.batch3.positive).toBeGreaterThan(0.01);
  expect(check.batch3.positive).toBeLessThan(0.99);
  const runs = [check.batch3, check.batch1Random, check.batch1Photo];
  const maxAbs = Math.max(...runs.map((c) => c.maxAbs));
  const maxScaled = Math.max(...runs.map((c) => c.maxScaled));
  console.log(
    `${check.label}: max |diff| ${maxAbs.toExponential(2)} (scaled ${maxScaled.toExponential(2)}) over batch 3 and both batch-1 runs, ` +
      `file ${(check.bytes / 1024 ** 2).toFixed(2)} MiB, export ${check.exportMs.toFixed(0)} ms, car ${(100 * check.batch3.positive).toFixed(1)}%`,
  );
}

/** The equality suite for some presets and sizes (one test file per group, so Vitest runs groups apart). */
export function describeOnnxEquality(cases: ReadonlyArray<readonly [PresetName, number, number]>): void {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });
  describe.each(cases)('ONNX export of %s at %dx%d', (preset, height, width) => {
    it("gives tfjs's logits in ONNX Runtime at batch 3 and 1, on random input and photos", async () => {
      const check = await checkPreset(
        () => buildPreset(preset, { height, width }),
        height,
        width,
        height + width,
        (m) => modelToOnnx(m),
      );
      expectEqual(check, height, width);
      expect(tf.memory().numTensors).toBeLessThan(50);
    });
  });
}
