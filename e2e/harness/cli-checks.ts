/**
 * Checks behind e2e/cli.spec.ts: the tools' JSON fields with their types (issue 6's lists), and
 * figures recomputed in the browser from the files the tools wrote.
 */
import { expect, type Page } from '@playwright/test';

export type Scores = { dice: number; iou: number; precision: number; recall: number; accuracy: number };

/**
 * The five metrics of a binary prediction (PNG, white = car) against a ground-truth mask (> 127 =
 * car), decoded in Chromium and counted here, with the studio's rule written out again: a ratio
 * whose denominator is 0 scores 1 when prediction and mask are both empty, 0 otherwise.
 */
export async function scoresInBrowser(page: Page, predictedPng: Buffer, truthGif: Buffer): Promise<Scores & { width: number; height: number }> {
  return page.evaluate(
    async ([predicted, truth]) => {
      const pixels = async (bytes: number[], type: string) => {
        const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        return context.getImageData(0, 0, bitmap.width, bitmap.height);
      };
      const p = await pixels(predicted, 'image/png');
      const t = await pixels(truth, 'image/gif');
      const size = { width: p.width, height: p.height };
      if (p.width !== t.width || p.height !== t.height) return { dice: NaN, iou: NaN, precision: NaN, recall: NaN, accuracy: NaN, ...size };
      let [tp, fp, fn, tn] = [0, 0, 0, 0];
      for (let i = 0; i < p.data.length; i += 4) {
        const car = p.data[i]! > 127;
        const real = t.data[i]! > 127;
        if (car && real) tp++;
        else if (car) fp++;
        else if (real) fn++;
        else tn++;
      }
      const bothEmpty = tp + fp + fn === 0;
      const ratio = (a: number, b: number) => (b === 0 ? (bothEmpty ? 1 : 0) : a / b);
      return {
        dice: ratio(2 * tp, 2 * tp + fp + fn),
        iou: ratio(tp, tp + fp + fn),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn),
        accuracy: ratio(tp + tn, tp + fp + fn + tn),
        ...size,
      };
    },
    [Array.from(predictedPng), Array.from(truthGif)] as const,
  );
}

/** The WebGPU adapter this Chromium offers a page (null without one), read on a blank loopback page. */
export async function adapterInBrowser(page: Page): Promise<{ vendor: string; isFallbackAdapter: boolean } | null> {
  // navigator.gpu exists in secure contexts only: a loopback origin is one, about:blank is not.
  await page.route('http://127.0.0.1/adapter-probe', (route) => route.fulfill({ body: '<!doctype html><title>probe</title>', contentType: 'text/html' }));
  await page.goto('http://127.0.0.1/adapter-probe');
  return page.evaluate(async () => {
    const gpu = (
      navigator as unknown as {
        gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null> };
      }
    ).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return null;
    return { vendor: adapter.info?.vendor || 'unknown', isFallbackAdapter: Boolean(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter) };
  });
}

export const METRICS = ['dice', 'iou', 'precision', 'recall', 'accuracy'] as const;

/** A metric value: a number in [0, 1]. */
function expectScore(value: unknown, what: string): void {
  expect(typeof value, what).toBe('number');
  expect(value as number, what).toBeGreaterThanOrEqual(0);
  expect(value as number, what).toBeLessThanOrEqual(1);
}

/**
 * Every field issue 6 requires of report.json, with its type: preset, size, params, backend,
 * adapter, seed, pairs, skipped, split, history, test, wallSeconds, imagesPerSecond.
 */
export function expectReportFields(report: Record<string, unknown>): void {
  expect(typeof report.preset).toBe('string');
  expect(report.size).toEqual([expect.any(Number), expect.any(Number)]);
  expect(Number.isInteger(report.params) && (report.params as number) > 0, `params ${report.params}`).toBe(true);
  expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(report.backend);
  expect(report).toHaveProperty('adapter');
  if (report.adapter !== null) {
    expect(report.adapter).toEqual(
      expect.objectContaining({
        vendor: expect.any(String),
        architecture: expect.any(String),
        description: expect.any(String),
        isFallbackAdapter: expect.any(Boolean),
      }),
    );
  }
  expect(typeof report.seed).toBe('number');
  expect(Number.isInteger(report.pairs)).toBe(true);
  expect(Array.isArray(report.skipped)).toBe(true);
  for (const s of report.skipped as unknown[]) expect(s).toEqual({ file: expect.any(String), reason: expect.any(String) });
  const split = report.split as Record<string, { pairs: unknown; groups: unknown[] }>;
  for (const part of ['train', 'val', 'test']) {
    expect(Number.isInteger(split[part]!.pairs), `split.${part}.pairs`).toBe(true);
    expect(Array.isArray(split[part]!.groups), `split.${part}.groups`).toBe(true);
    for (const group of split[part]!.groups) expect(typeof group).toBe('string');
  }
  expect(Array.isArray(report.history)).toBe(true);
  for (const record of report.history as Array<Record<string, unknown>>) {
    expect(Number.isInteger(record.epoch)).toBe(true);
    expect(typeof record.trainLoss).toBe('number');
    expect(typeof record.valLoss).toBe('number');
    for (const key of METRICS) expectScore(record[key], `history[${record.epoch}].${key}`);
  }
  expect(report).toHaveProperty('test');
  if (report.test !== null) for (const key of METRICS) expectScore((report.test as Record<string, unknown>)[key], `test.${key}`);
  expect(typeof report.wallSeconds).toBe('number');
  expect(report.wallSeconds as number).toBeGreaterThan(0);
  expect(typeof report.imagesPerSecond).toBe('number');
  expect(report.imagesPerSecond as number).toBeGreaterThanOrEqual(0);
}

/** Every field issue 6 requires of predict's JSON: pairs, the five mean metrics, perImage [{ file, dice, iou }]. */
export function expectPredictFields(scored: Record<string, unknown>): void {
  expect(Number.isInteger(scored.pairs)).toBe(true);
  for (const key of METRICS) expectScore(scored[key], key);
  expect(Array.isArray(scored.perImage)).toBe(true);
  for (const m of scored.perImage as Array<Record<string, unknown>>) {
    expect(typeof m.file).toBe('string');
    expectScore(m.dice, `${m.file} dice`);
    expectScore(m.iou, `${m.file} iou`);
  }
}

/** Alpha of every pixel of a PNG next to the red channel of another, decoded without premultiplying. */
export async function alphaAgainstMask(page: Page, cutoutPng: Buffer, maskPng: Buffer): Promise<{ mismatches: number; transparent: number; pixels: number }> {
  return page.evaluate(
    async ([cutout, mask]) => {
      const pixels = async (bytes: number[]) => {
        const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), { premultiplyAlpha: 'none' });
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      };
      const c = await pixels(cutout);
      const m = await pixels(mask);
      let mismatches = 0;
      let transparent = 0;
      for (let i = 0; i < c.length; i += 4) {
        if (c[i + 3] === 0) transparent++;
        if (c[i + 3]! > 0 !== m[i]! > 127) mismatches++;
      }
      return { mismatches, transparent, pixels: c.length / 4 };
    },
    [Array.from(cutoutPng), Array.from(maskPng)] as const,
  );
}
