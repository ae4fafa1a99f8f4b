import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The webgpu training kernels in real Chromium (SwiftShader's WebGPU adapter here): they match the
// cpu backend, and the dispatch census finds no program of a training step of any preset that
// would leave a GPU idle (few invocations, each with a long serial loop), while it does find
// tfjs's shipped filter gradient. Profiles and timings print with WEBGPU_PROFILE=1.

const HARNESS = '/e2e/harness/webgpu-check.ts'; // served by the Vite dev server

/**
 * Imports the harness into a fresh page. Vite may optimise a dependency it first meets here with a
 * page reload: retry once the page has settled. Vite's HMR socket is stubbed out, so that a source
 * file someone edits meanwhile cannot reload the page under a run.
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

type Harness = typeof import('./harness/webgpu-check');
type StepShape = Parameters<Harness['recordStep']>[0];

function call<K extends keyof Harness>(page: Page, name: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>> {
  return page.evaluate(
    async ({ url, name, args }) => {
      const harness = await import(/* @vite-ignore */ url);
      return harness[name](...args);
    },
    { url: HARNESS, name, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<Harness[K]>>>;
}

test('webgpu training kernels match the cpu backend and run split-K, not tfjs filter gradient', async ({ page }) => {
  await openHarness(page);
  const adapter = await call(page, 'adapterInfo');
  expect(adapter.backend).toBe('webgpu');
  console.log(`WebGPU adapter: ${adapter.vendor}${adapter.isFallbackAdapter ? ' (software fallback)' : ''}`);
  const results = await call(page, 'checkKernels');
  expect(results.length).toBeGreaterThanOrEqual(17);
  for (const { name, error, programs } of results) {
    expect(error, name).toBeLessThan(1e-4);
    // Every case's filter gradient is ours: patches by depthwise conv, never tfjs's per-weight loop.
    expect(programs, name).not.toContain('Conv2DDerFilterProgram');
    if (name.includes('tfjs kernel')) expect(programs, name).not.toContain('DepthwiseConv2DProgram');
    else
      expect(
        programs.some((p) => p.startsWith('DepthwiseConv2D')),
        `${name}: ${programs}`,
      ).toBe(true);
  }
});

const TINY = { preset: 'tiny', height: 32, width: 48, batch: 2 };
const FULL = { height: 128, width: 192, batch: 4 };

test('record-only census sees exactly the programs an executed training step dispatches', async ({ page }) => {
  await openHarness(page);
  // The smallest step (shaders compile per program, not per size): the choice of programs is what is compared.
  const result = await call(page, 'compareModes', { ...TINY, height: 16, width: 16 });
  expect(result.executed).toBeGreaterThan(1000);
  expect(result.recorded).toBe(result.executed);
  expect(result.firstDifference).toBeNull();
});

test('dispatch census: no program of a training step of any preset starves a GPU; tfjs filter gradient does', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const shapes = [TINY, { preset: 'transunet', ...FULL }, { preset: 'seed-unet', ...FULL }, { preset: 'unet', ...FULL }];
  for (const step of await call(page, 'censusOfSteps', shapes, 'ours')) {
    const label = `${step.shape.preset} ${step.shape.height}x${step.shape.width} batch ${step.shape.batch}`;
    console.log(`${label}: ${step.dispatches} dispatches, none starving: ${step.starving.length === 0}`);
    expect(step.dispatches, label).toBeGreaterThan(1000);
    expect(step.starving, label).toEqual([]);
  }
  // The same census on tfjs's own kernels: transunet's stem filter gradient, 3x3x3x16 = 432 weights
  // (7 workgroups of 64 invocations), each looping over 4 x 128 x 192 = 98,304 pixels.
  const [shipped] = await call(page, 'censusOfSteps', [{ preset: 'transunet', ...FULL }], 'tfjs');
  for (const entry of shipped.starving) console.log(`tfjs kernels, transunet: ${JSON.stringify(entry)}`);
  expect(shipped.starving).toContainEqual({
    program: 'Conv2DDerFilterProgram',
    kernel: 'Conv2DBackpropFilter',
    invocations: 448,
    serialSteps: 98_304,
    dispatches: 1,
  });
});

// The per-program profile and the ms per step behind BENCHMARKS.md's "WebGPU: dispatch census".
test('per-program profile and ms per step on webgpu, tfjs kernels against ours (informative)', async ({ page }) => {
  test.skip(!process.env.WEBGPU_PROFILE, 'set WEBGPU_PROFILE=1 to print the profile and timings');
  test.setTimeout(3_600_000);
  await openHarness(page);
  const small = { height: 64, width: 96, batch: 4 };
  const shapes: StepShape[] = [
    { preset: 'transunet', ...small },
    { preset: 'seed-unet', base: 16, ...small },
  ];
  for (const shape of shapes) {
    for (const kernels of ['tfjs', 'ours'] as const) {
      const profile = await call(page, 'profileStep', shape, kernels);
      const entries = [...profile.entries].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0));
      const total = entries.reduce((s, e) => s + (e.ms ?? 0), 0);
      console.log(
        `${shape.preset} base ${shape.base ?? 16} ${shape.height}x${shape.width} batch ${shape.batch}, ${kernels} kernels: GPU ${total.toFixed(0)} ms, wall ${profile.wallMs.toFixed(0)} ms`,
      );
      for (const e of entries.slice(0, 12)) {
        console.log(
          `  ${e.kernel.padEnd(22)} ${e.program.padEnd(30)} x${e.dispatches} ${e.ms?.toFixed(0).padStart(7)} ms  ${e.invocations} inv  ${e.serialSteps} steps`,
        );
      }
      expect(entries.length).toBeGreaterThan(0);
    }
  }
  for (const kernels of ['tfjs', 'ours'] as const) {
    const timing = await call(page, 'timeSteps', { preset: 'transunet', ...small }, kernels, 2, 1);
    console.log(`transunet 64x96 batch 4, webgpu with ${kernels} kernels: ${timing.ms.toFixed(0)} ms/step`);
    expect(timing.leaked).toBe(0);
  }
});
