import { expect, test } from '@playwright/test';

// Runs after the studio's flow on purpose (files run in name order): in a browser that has just run a
// two-thread wasm page, that flow saw a 51-63 ms main-thread task in 3 of 6 runs (0 of 13 otherwise),
// even with the page gone for 2 s. The cause is not found.

// The production build minifies the worker; tfjs-wasm's pthreads run a Blob of its factory's source,
// which minification once broke ("e is not defined"): vite.config.ts's wasmThreadsSurviveMinify.
test('wasm runs two threads in the production build when asked (?threads=2)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto('/?backend=wasm&threads=2');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', '2');
  await page.getByLabel('Steps').fill('3');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  const losses = (await page.getByTestId('step-loss').allTextContents()).map(Number);
  expect(losses).toHaveLength(3);
  for (const loss of losses) expect(loss).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
