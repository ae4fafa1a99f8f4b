import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The fused Adam (src/ml/train/fusedAdam.ts) in real Chromium on wasm, through the dev server (the
// 'harness' project: this file's name ends in wasm.spec.ts). `WASM_AB=1` adds the A/B timing.

const HARNESS = '/e2e/harness/wasm-check.ts';

type Harness = typeof import('./harness/wasm-check');

/** Opens the dev server's page and imports the harness once, so Vite has optimised what it needs before any call. */
async function openHarness(page: Page): Promise<void> {
  // No HMR socket: a source file edited by someone else mid-run must not reload the page under it.
  await page.routeWebSocket(/.*/, () => {});
  await page.goto('/');
  await page.evaluate(async (url) => {
    await import(/* @vite-ignore */ url);
  }, HARNESS);
}

function call<K extends keyof Harness>(page: Page, name: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>> {
  return page.evaluate(
    async ({ url, name, args }) => {
      const harness = await import(/* @vite-ignore */ url);
      return harness[name](...args);
    },
    { url: HARNESS, name, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<Harness[K]>>>;
}

for (const threads of [1, 2] as const) {
  test(`fused Adam on wasm equals tfjs Adam on cpu within 1e-6, state names and order kept, ${threads} thread(s)`, async ({ page }) => {
    await openHarness(page);
    expect((await call(page, 'startWasm', threads)).threads).toBe(threads);
    const results = await call(page, 'checkFusedAdam');
    expect(results.map((r) => r.restoreAfter)).toEqual([null, 2]);
    for (const r of results) {
      // The reference moved by far more than the tolerance: the comparison is not of unchanged copies.
      expect(r.moved).toBeGreaterThan(1e-2);
      expect(r.valueError).toBeLessThan(1e-6);
      expect(r.stateError).toBeLessThan(1e-6);
      expect(r.sameNames).toBe(true);
    }
  });
}

// A measurement, not a check: WASM_AB=1 [WASM_AB_THREADS=2] [WASM_AB_STEPS=9] E2E_PORT=... npx playwright test e2e/fused-adam-wasm.spec.ts -g A/B
// (the update alone, 21 interleaved rounds; with WASM_AB_STEPS also whole training steps, interleaved).
test('A/B: training steps with tfjs Adam and the fused Adam, interleaved in one page', async ({ page }) => {
  test.skip(!process.env.WASM_AB, 'a timing run: set WASM_AB=1');
  test.setTimeout(900_000);
  await openHarness(page);
  const threads = Number(process.env.WASM_AB_THREADS ?? 1);
  await call(page, 'startWasm', threads);
  for (const model of [
    { preset: 'seed-unet', base: 16, height: 128, width: 192, batch: 4 },
    { preset: 'transunet', height: 128, width: 192, batch: 4 },
  ]) {
    const name = `${model.preset}${model.base ?? ''} ${model.height}x${model.width}`;
    const update = await call(page, 'abAdamUpdate', model, Number(process.env.WASM_AB_ROUNDS ?? 21));
    console.log(
      `A/B update ${name} (${update.variables} variables, ${update.params} params), ${update.threads} thread(s): tfjs Adam ${update.tfjsMs.toFixed(1)} ms, fused ${update.fusedMs.toFixed(1)} ms`,
    );
    expect(update.fusedMs).toBeGreaterThan(0);
    if (!process.env.WASM_AB_STEPS) continue;
    const result = await call(page, 'abFusedAdam', model, Number(process.env.WASM_AB_STEPS));
    console.log(
      `A/B step ${name}, ${result.threads} thread(s): tfjs Adam ${result.tfjsMs.toFixed(0)} ms, fused ${result.fusedMs.toFixed(0)} ms a step; loss diff ${result.lossDiff.toExponential(1)}`,
    );
    expect(result.lossDiff).toBeLessThan(1e-3);
  }
});
