/**
 * Memory soak: 1,000 training steps of the tiny preset at 32x48 on wasm in the studio's own worker
 * (through the headless driver page of the production build), crossing many epoch ends with overlays
 * and checkpoints, a pause, a live learning-rate change and a resume. The worker's JS heap (after a
 * forced GC, read through the DevTools protocol, less V8's own code) and tf.memory() stay flat from step
 * 100 to 1,000, and three runs in a row leave tensors, bytes and the heap where one run left them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import type { ForwardedEvent } from '../src/cli/api';
import { pageCall, soak, SOAK_DEFAULTS } from './harness/soak';

const SAMPLE = path.resolve(import.meta.dirname, '../public/sample');
/** Growth allowed from step 100 to 1,000 (heap and tf bytes). */
const MAX_GROWTH = 0.05;
/** SOAK_SNAPSHOTS=<folder> saves heap snapshots of the worker there (step-<n>, rest-<n>), for DevTools. */
const SNAPSHOTS = process.env.SOAK_SNAPSHOTS;

test('1,000 steps on wasm hold tensors, tfjs bytes and the worker heap flat; three runs in a row leave memory where one left it', async ({ page }) => {
  test.setTimeout(300_000);
  let listener: (event: ForwardedEvent) => void = () => undefined;
  await page.exposeFunction('studioCliEvent', async (event: ForwardedEvent) => listener(event));
  await page.goto('/cli.html');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.setInputFiles('#data', SAMPLE);
  const call = pageCall(page);
  const choice = await call('init', 'wasm');
  expect(choice.backend).toBe('wasm');
  const loaded = await call('ingestFromInput', { label: 'sample', height: 32, width: 48, ratios: { train: 0.8, val: 0.1, test: 0.1 }, seed: 1 });
  expect(loaded.summary.pairs).toBe(128);

  const figure = await soak(page, call, (next) => (listener = next), {
    ...SOAK_DEFAULTS,
    backend: 'wasm',
    log: (line) => console.log(`soak: ${line}`),
    ...(SNAPSHOTS && {
      snapshot: (label: string, json: string) => {
        mkdirSync(SNAPSHOTS, { recursive: true });
        writeFileSync(path.join(SNAPSHOTS, `${label}.heapsnapshot`), json);
      },
    }),
  });
  console.log(`soak figure: ${JSON.stringify(figure)}`);

  expect(figure.steps).toBeGreaterThanOrEqual(1000);
  expect(figure.epochs, 'the run crosses several epoch ends').toBeGreaterThanOrEqual(5);
  expect(figure.checkpoints).toBeGreaterThanOrEqual(figure.epochs);
  expect(figure.learningRateAfterChange, 'the live change reached the optimizer').toBeCloseTo(0.001, 6);
  expect(figure.tensorGrowth, 'tensors from step 100 to 1,000').toBe(0);
  expect(figure.byteGrowth, 'tf bytes from step 100 to 1,000').toBeLessThan(MAX_GROWTH);
  // The heap less V8's own code: bytecode and compiled code grow for thousands of steps as V8 tiers
  // hot functions up (~0.4 MiB from step 100 to 1,000 here, whatever the app keeps); a leak is data.
  const { atBaseline: base, atEnd: end } = figure;
  expect(
    figure.dataGrowth,
    `worker heap less V8 code ${base.dataBytes} -> ${end.dataBytes} bytes (whole heap ${base.heapBytes} -> ${end.heapBytes})`,
  ).toBeLessThan(MAX_GROWTH);
  const [one, ...more] = figure.afterRuns;
  for (const [n, after] of more.entries()) {
    expect({ numTensors: after.numTensors, numBytes: after.numBytes }, `at rest after run ${n + 2}, as after run 1`).toEqual({
      numTensors: one!.numTensors,
      numBytes: one!.numBytes,
    });
    expect(after.dataBytes, `worker heap less V8 code at rest after run ${n + 2} (${one!.dataBytes} after run 1)`).toBeLessThan(
      one!.dataBytes * (1 + MAX_GROWTH),
    );
  }
});
