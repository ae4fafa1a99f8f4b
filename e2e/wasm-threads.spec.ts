import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { openQuickCheck } from './studio-helpers';
import { expectRunDone } from './run-done';

// Runs after the studio's flow on purpose (files run in name order): in a browser that has just run a
// two-thread wasm page, that flow saw a 51-63 ms main-thread task in 3 of 6 runs (0 of 13 otherwise),
// even with the page gone for 2 s. The cause is not found.

/** Asks the page for wasm with two threads, checks the count the worker's wasm module reports, and trains 3 steps. */
async function trainOnTwoThreads(page: Page, url: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', '2');
  await openQuickCheck(page);
  await page.getByLabel('Steps').fill('3');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expectRunDone(page, 60_000, 'run-status');
  const losses = (await page.getByTestId('step-loss').allTextContents()).map(Number);
  expect(losses).toHaveLength(3);
  for (const loss of losses) expect(loss).toBeGreaterThan(0);
  expect(errors).toEqual([]);
}

// The production build minifies the worker; tfjs-wasm's pthreads run a Blob of its factory's source,
// which minification once broke ("e is not defined"): vite.config.ts's wasmThreadsSurviveMinify.
test('wasm runs two threads in the production build when asked (?threads=2)', async ({ page }) => {
  await trainOnTwoThreads(page, '/?backend=wasm&threads=2');
});

// `npm start` serves the dev server: unminified, the worker a module of its own, COOP/COEP from
// `server.headers`. playwright.config.ts starts it on the port after the production build's.
test('wasm runs two threads under the dev server too (?threads=2)', async ({ page }) => {
  test.setTimeout(240_000);
  const devPort = Number(process.env.E2E_PORT ?? 5174) + 1;
  await trainOnTwoThreads(page, `http://127.0.0.1:${devPort}/?backend=wasm&threads=2`);
});

// wasmThreads 0 (auto, ?threads=0, the default): the page leaves one core to itself (PAGE_SPARE_CORES),
// so on this 2-core machine it trains on 1 thread without timing; the command line, with no page to
// keep responsive, times 1 and 2 (e2e/cli.spec.ts).
test('auto threads on the page keep a core for the page: 1 thread on 2 cores, saying why', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=wasm&threads=0');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 180_000 });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(cores, 'this check is written for the 2-core machine').toBe(2);
  const reason = page.getByTestId('thread-reason');
  await expect(reason).toHaveText('1 thread: this machine reports 2 logical cores and the page keeps 1 for itself');
  await expect(reason).toHaveAttribute('data-measured', 'false');
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', '1');
  expect(errors).toEqual([]);
});
