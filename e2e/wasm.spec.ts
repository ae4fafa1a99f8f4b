import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The wasm backend trains in real Chromium: its training kernels match the cpu backend, and the
// ms per step of wasm against webgl and cpu are printed (wasm must beat cpu; webgl is informative).

const HARNESS = '/e2e/harness/wasm-check.ts'; // served by the Vite dev server

/**
 * Imports the harness into a fresh page. The tfjs packages are pre-bundled (optimizeDeps), but the
 * harness imports source modules the app page does not, and a dependency Vite first meets there is
 * optimised on the spot with a page reload: retry once the page has settled. Vite's HMR socket is
 * stubbed out, so a source file edited during a minutes-long timing run cannot reload the page under it.
 */
async function openHarness(page: Page): Promise<void> {
  await page.routeWebSocket(/.*/, () => {});
  await page.goto('/');
  for (let attempt = 1; ; attempt++) {
    try {
      await page.evaluate(async (url) => {
        await import(/* @vite-ignore */ url);
      }, HARNESS);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.waitForLoadState('load');
      await page.waitForTimeout(1000);
    }
  }
}

type Harness = typeof import('./harness/wasm-check');

/** Calls one of the harness's exported functions in the page. */
function call<K extends keyof Harness>(page: Page, name: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>> {
  return page.evaluate(
    async ({ url, name, args }) => {
      const harness = await import(/* @vite-ignore */ url);
      return harness[name](...args);
    },
    { url: HARNESS, name, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<Harness[K]>>>;
}

// Two threads split XNNPACK's work differently (and run the threaded binary): checked as well.
for (const threads of [1, 2] as const) {
  test(`wasm training kernels match the cpu backend in Chromium, ${threads} thread(s)`, async ({ page }) => {
    await openHarness(page);
    const setup = await call(page, 'startWasm', threads);
    expect(setup.backend).toBe('wasm');
    expect(setup.threads).toBe(threads);
    const results = await call(page, 'checkKernels');
    expect(results.length).toBeGreaterThan(20);
    for (const { name, error } of results) expect(error, name).toBeLessThan(1e-4);
  });
}

// webgl (SwiftShader) and cpu take 10-40 s a transunet step here: one timed step after one warm-up.
const SIZES = [
  { preset: 'tiny', height: 32, width: 48, batch: 2, backends: ['wasm', 'webgl', 'cpu'], steps: 5, warmup: 2, slowSteps: 3 },
  { preset: 'transunet', height: 64, width: 96, batch: 4, backends: ['wasm', 'webgl'], steps: 5, warmup: 2, slowSteps: 1 },
];

test('ms per training step: wasm beats cpu; webgl printed', async ({ page }) => {
  test.setTimeout(900_000);
  await openHarness(page);
  const setup = await call(page, 'startWasm', 1);
  expect(setup.backend).toBe('wasm');
  for (const size of SIZES) {
    const { backends, steps, warmup, slowSteps, ...options } = size;
    const ms: Record<string, number> = {};
    for (const backend of backends) {
      const fast = backend === 'wasm';
      const result = await call(page, 'timeTraining', backend, options, fast ? steps : slowSteps, fast ? warmup : 1);
      console.log(`${size.preset} ${size.height}x${size.width} batch ${size.batch}: ${result.backend} ${result.ms.toFixed(0)} ms/step`);
      expect(result.backend).toBe(backend);
      if (backend === 'wasm') expect(result.leaked).toBe(0);
      ms[backend] = result.ms;
    }
    // Both run on the CPU whatever the machine: XNNPACK against plain JS. Measured here 5-10x apart,
    // so the load of a shared machine cannot swap them. webgl's figure depends on the GPU: printed only.
    if (ms.cpu !== undefined) expect(ms.wasm, `${size.preset}: wasm against cpu`).toBeLessThan(ms.cpu);
  }
});

// Threads: a fresh page per setting (the wasm module starts once per page).
for (const threads of [1, 'default', 2] as const) {
  test(`wasm with ${threads} thread(s): ms per step of transunet (informative)`, async ({ page }) => {
    test.setTimeout(600_000);
    await openHarness(page);
    const setup = await call(page, 'startWasm', threads);
    console.log(`wasm setup: ${JSON.stringify(setup)}`);
    expect(setup.threads).toBe(threads === 'default' ? Math.min(4, Math.max(1, Math.floor(setup.hardwareConcurrency / 2))) : threads);
    for (const [height, width] of [
      [64, 96],
      [128, 192],
    ]) {
      const options = { preset: 'transunet', height, width, batch: 4 };
      const result = await call(page, 'timeTraining', 'wasm', options, 3, 1);
      console.log(`transunet ${height}x${width} batch 4: wasm ${threads} thread(s) ${result.ms.toFixed(0)} ms/step`);
      expect(result.leaked).toBe(0);
    }
  });
}

// The per-kernel profile behind the speed work; run with WASM_PROFILE=1.
test('per-kernel profile of a training step on wasm (informative)', async ({ page }) => {
  test.skip(!process.env.WASM_PROFILE, 'set WASM_PROFILE=1 to print the profile');
  test.setTimeout(600_000);
  await openHarness(page);
  const threads = Number(process.env.WASM_PROFILE_THREADS ?? 1);
  await call(page, 'startWasm', threads);
  // WASM_PROFILE_MODEL=seed-unet16 profiles the bench's seed-unet16 (seed-unet at width 16);
  // WASM_PROFILE_BASE=8 narrows any preset (the recipe's transunet width 8).
  const model = process.env.WASM_PROFILE_MODEL ?? 'transunet';
  const base = Number(process.env.WASM_PROFILE_BASE ?? 0);
  const options = model === 'seed-unet16' ? { preset: 'seed-unet', base: 16 } : { preset: model, ...(base > 0 && { base }) };
  const profile = await call(page, 'profileTraining', { ...options, height: 128, width: 192, batch: 4 });
  console.log(`${model} 128x192 batch 4, ${threads} thread(s): wall ${profile.wallMs.toFixed(0)} ms, kernels ${profile.totalMs.toFixed(0)} ms`);
  for (const k of profile.kernels.slice(0, 30)) console.log(`  ${k.name.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  x${k.calls}`);
  expect(profile.kernels.length).toBeGreaterThan(0);
});
