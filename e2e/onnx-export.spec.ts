/**
 * The studio's ONNX export, end to end: the tiny preset trained on the sample in the production
 * build, exported from the run panel's Export menu as ONNX files and as zips (latest and best), and
 * the downloads run here in ONNX Runtime (onnxruntime-node) against the studio's own prediction and
 * against the zip's tfjs model on tfjs's cpu backend.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Download, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { loadModel, readModelFiles } from '../src/ml/io/import';
import { modelToOnnx } from '../src/ml/io/onnx/export';
import { onnxRunOptions } from '../src/ml/io/onnx/runMetadata';
import { expectNoHorizontalOverflow, exportFromMenu } from './studio-helpers';
import { expectRunDone } from './run-done';

const [H, W] = [32, 48];
const SETTINGS = `model=tiny&size=${H}x${W}&batch=8&epochs=3&lr=0.005`;
/** ONNX Runtime against tfjs (cpu) on the same weights and image: the exporter's own bound. */
const LOGIT_TOLERANCE = 1e-4;
/**
 * The page's probability map is round(255 * sigmoid(logit)) from tfjs (wasm) in the worker. ONNX's
 * 255 * sigmoid is within 0.5 of it, plus what 1e-4 of logit moves it (255 / 4 * 1e-4 < 0.01).
 */
const BYTE_TOLERANCE = 0.51;
const SHOTS = path.resolve('test-results');

interface Inspection {
  name: string;
  width: number;
  height: number;
  rgb: number[];
  probabilities: number[];
}

/** Keeps a copy of each test image the worker predicts for the page (its photo and probability map), as the page receives them. */
async function recordInspections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: unknown[] = [];
    (window as unknown as { inspections: unknown[] }).inspections = seen;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent) => {
          const data = event.data as {
            type?: string;
            source?: { rgb: Uint8Array; width: number; height: number; name: string };
            map?: { probabilities: Uint8Array };
          };
          if (data?.type !== 'test-inspection' || !data.source || !data.map) return;
          const { source, map } = data;
          seen.push({
            name: source.name,
            width: source.width,
            height: source.height,
            rgb: Array.from(source.rgb),
            probabilities: Array.from(map.probabilities),
          });
        });
      }
    };
  });
}

async function bytesOf(download: Download): Promise<Uint8Array> {
  return new Uint8Array(readFileSync(await download.path()));
}

/** HWC RGB bytes -> the ONNX input: float32 [1, 3, H, W] in [0, 1]. */
function nchw(rgb: ArrayLike<number>): ort.Tensor {
  const plane = H * W;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) data[c * plane + p] = rgb[p * 3 + c]! / 255;
  return new ort.Tensor('float32', data, [1, 3, H, W]);
}

async function onnxLogits(
  file: Uint8Array,
  rgb: ArrayLike<number>,
): Promise<{ logits: Float32Array; dims: readonly number[]; metadata: Record<string, string> }> {
  const session = await ort.InferenceSession.create(file);
  try {
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['logits']);
    const input = nchw(rgb);
    const { logits } = await session.run({ image: input });
    input.dispose();
    const result = { logits: new Float32Array(logits!.data as Float32Array), dims: [...logits!.dims] };
    logits!.dispose();
    return { ...result, metadata: metadataOf(file) };
  } finally {
    await session.release();
  }
}

/** The file's metadata_props, read from the protobuf bytes (field 14 of ModelProto: key 1, value 2), not through the writer's own decoder. */
function metadataOf(file: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  const varint = (): number => {
    let [value, shift] = [0, 0];
    for (;;) {
      const byte = file[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  const decoder = new TextDecoder();
  while (at < file.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) varint();
    else if (wire === 5) at += 4;
    else if (wire === 1) at += 8;
    else if (wire === 2) {
      const length = varint();
      if (field === 14) {
        const entry = file.subarray(at, at + length);
        const strings: Record<number, string> = {};
        for (let i = 0; i < entry.length;) {
          const key = entry[i++]! >> 3;
          let [len, shift] = [0, 0];
          for (;;) {
            const byte = entry[i++]!;
            len += (byte & 0x7f) * 2 ** shift;
            if (byte < 0x80) break;
            shift += 7;
          }
          strings[key] = decoder.decode(entry.subarray(i, i + len));
          i += len;
        }
        out[strings[1]!] = strings[2]!;
      }
      at += length;
    } else throw new Error(`unexpected wire type ${wire} in the ONNX file`);
  }
  return out;
}

/**
 * The zip's tfjs model (model.json + weights.bin) on tfjs's cpu backend in this process: its logits
 * [1, H, W, 1] (the same order as ONNX's [1, 1, H, W]), and the ONNX file `npm run export` would write from it.
 */
async function fromTfjsModel(zip: Uint8Array, rgb: ArrayLike<number>): Promise<{ logits: Float32Array; onnx: Uint8Array }> {
  const read = await readModelFiles([{ name: 'export.zip', bytes: zip }]);
  if (!read.ok) throw new Error(read.reason);
  const model = await loadModel(read.artifacts);
  const image = tf.tensor4d(
    Float32Array.from(rgb, (v) => v / 255),
    [1, H, W, 3],
  );
  const logits = model.predict(image) as tf.Tensor;
  try {
    return { logits: (await logits.data()) as Float32Array, onnx: await modelToOnnx(model, onnxRunOptions(read.run)) };
  } finally {
    tf.dispose([image, logits]);
    model.dispose();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

async function stepOf(page: Page): Promise<number> {
  return Number((await page.getByTestId('num-tensors').getAttribute('data-step')) ?? 0);
}

test.beforeAll(async () => {
  tf.env().set('PROD', true);
  expect(await tf.setBackend('cpu')).toBe(true);
  mkdirSync(SHOTS, { recursive: true });
});

test('the Export menu gives ONNX files and zips with model.onnx; they run in ONNX Runtime as the studio predicts', async ({ page }) => {
  test.setTimeout(300_000);
  await recordInspections(page);
  await page.goto(`/?backend=wasm&${SETTINGS}`);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  const run = page.getByTestId('run-panel');
  await expect(run.getByRole('button', { name: 'Export', exact: true })).toBeDisabled(); // no run yet
  await page.getByLabel('Run name').fill('onnx e2e');
  await run.getByRole('button', { name: 'Start training' }).click();

  // While it trains: the current model's ONNX file comes, and the run goes on.
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  const duringTraining = await exportFromMenu(page, 'Current model', 'ONNX file');
  const stepAtExport = await stepOf(page);
  expect(duringTraining.suggestedFilename()).toBe('onnx-e2e.onnx');
  const early = await bytesOf(duringTraining);
  expect(early.length).toBeGreaterThan(290_000); // tiny's 72,813 float32 weights
  await expect(page.getByTestId('export-menu')).toHaveCount(0); // a choice closes the menu
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(stepAtExport);
  await expectRunDone(page, 180_000);
  await expect(page.getByTestId('test-results')).toBeVisible();

  // The menu, as people see it, at two window sizes; Escape closes it.
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await run.getByRole('button', { name: 'Export', exact: true }).click();
    const menu = page.getByTestId('export-menu');
    await expect(menu.getByRole('group', { name: 'Best checkpoint' }).getByRole('button', { name: 'ONNX file' })).toBeEnabled();
    await menu.scrollIntoViewIfNeeded();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: path.join(SHOTS, `onnx-export-menu-${width}x${height}.png`) });
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(run.getByRole('button', { name: 'Export', exact: true })).toHaveAttribute('aria-expanded', 'false');
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  const exports = {
    latestZip: await exportFromMenu(page, 'Current model', 'tfjs zip (with model.onnx)'),
    latestOnnx: await exportFromMenu(page, 'Current model', 'ONNX file'),
    bestZip: await exportFromMenu(page, 'Best checkpoint', 'tfjs zip (with model.onnx)'),
    bestOnnx: await exportFromMenu(page, 'Best checkpoint', 'ONNX file'),
  };
  expect(Object.values(exports).map((d) => d.suggestedFilename())).toEqual(['onnx-e2e.zip', 'onnx-e2e.onnx', 'onnx-e2e-best.zip', 'onnx-e2e-best.onnx']);

  // The studio's own prediction for a test image: the worker's photo and probability map, as the page shows them.
  await page
    .getByTestId('test-results')
    .getByRole('button', { name: /^Open the overlay of / })
    .first()
    .click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { inspections: unknown[] }).inspections.length)).toBe(1);
  const [shown] = await page.evaluate(() => (window as unknown as { inspections: Inspection[] }).inspections);
  expect([shown!.height, shown!.width]).toEqual([H, W]);

  const checks: Record<string, number> = {};
  for (const which of ['latest', 'best'] as const) {
    const zip = await bytesOf(exports[`${which}Zip`]);
    const onnx = await bytesOf(exports[`${which}Onnx`]);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(['history.csv', 'model.json', 'model.onnx', 'run.json', 'weights.bin']);
    // The zip's model.onnx is the bare ONNX export of the same checkpoint, byte for byte.
    expect(entries['model.onnx']!.length).toBe(onnx.length);
    expect(Buffer.compare(Buffer.from(entries['model.onnx']!), Buffer.from(onnx))).toBe(0);
    const runJson = JSON.parse(strFromU8(entries['run.json']!)) as { id: string; name: string; exported: { which: string; epoch: number } };
    expect(runJson.exported.which).toBe(which);

    const fromOnnx = await onnxLogits(onnx, shown!.rgb);
    expect(fromOnnx.dims).toEqual([1, 1, H, W]);
    expect(fromOnnx.metadata).toMatchObject({
      preset: 'tiny',
      input_size: `${H}x${W}`,
      threshold: '0.5',
      run: `onnx e2e, id ${runJson.id}, ${which} checkpoint, epoch ${runJson.exported.epoch}`,
    });
    // ONNX Runtime on the file against tfjs (cpu) on the zip's model.json + weights.bin.
    const fromTfjs = await fromTfjsModel(zip, shown!.rgb);
    checks[`${which}: |logit ONNX - tfjs cpu|`] = maxAbsDiff(fromOnnx.logits, fromTfjs.logits);
    expect(checks[`${which}: |logit ONNX - tfjs cpu|`]).toBeLessThan(LOGIT_TOLERANCE);
    // The worker's writer (wasm) and `npm run export`'s (cpu, from the unzipped folder) give the same file.
    expect(Buffer.compare(Buffer.from(fromTfjs.onnx), Buffer.from(onnx))).toBe(0);

    if (which === 'latest') {
      // Against the page: the map the studio drew for this test image, from the same (final) model.
      const scaled = Array.from(fromOnnx.logits, (logit) => 255 / (1 + Math.exp(-logit)));
      checks['latest: |255 sigmoid(ONNX) - page byte|'] = maxAbsDiff(scaled, shown!.probabilities);
      expect(checks['latest: |255 sigmoid(ONNX) - page byte|']).toBeLessThanOrEqual(BYTE_TOLERANCE);
      // Not a constant map: the comparison covers both classes (the sample's cars fill part of the frame).
      const car = shown!.probabilities.filter((p) => p > 127).length;
      expect(car).toBeGreaterThan(0);
      expect(car).toBeLessThan(H * W);
      checks['latest: car pixels'] = car;
    }
  }
  // The file exported mid-run is a different (earlier) model of the same run, and runs too.
  const earlyRun = await onnxLogits(early, shown!.rgb);
  expect(earlyRun.dims).toEqual([1, 1, H, W]);
  expect(earlyRun.metadata.run).toMatch(/^onnx e2e, id \S+, latest checkpoint, epoch [0-2]$/);
  console.log(`ONNX export checks: ${JSON.stringify(checks)}`);
});
