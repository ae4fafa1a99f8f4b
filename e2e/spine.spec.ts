import { expect, test } from '@playwright/test';

// The real app in real Chromium: the worker picks the requested backend and trains `tiny`.
for (const backend of ['webgl', 'webgpu', 'wasm'] as const) {
  test(`the worker trains tiny for 5 steps on ${backend}`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/?backend=${backend}`);
    await expect(page.getByTestId('backend-name')).toHaveText(backend);
    if (backend === 'webgpu') {
      // This machine has no GPU: the adapter is SwiftShader and the page must say so.
      await expect(page.getByTestId('adapter-fallback')).toHaveText(/software fallback|hardware/);
    }
    await page.getByLabel('Steps').fill('5');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'done', { timeout: 150_000 });
    const losses = await page.getByTestId('step-loss').allTextContents();
    expect(losses).toHaveLength(5);
    for (const loss of losses.map(Number)) {
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(0);
    }
    await expect(page.getByTestId('backend-name')).toHaveText(backend);
    expect(errors).toEqual([]);
  });
}

test('auto times the backends that start and keeps the fastest, saying why', async ({ page }) => {
  await page.goto('/');
  const reason = page.getByTestId('backend-reason');
  await expect(reason).toContainText('fastest here', { timeout: 150_000 });
  const text = await reason.innerText();
  const timings = [...text.matchAll(/(webgpu|webgl|wasm|cpu) (\d+) ms/g)].map((m) => ({ backend: m[1], ms: Number(m[2]) }));
  expect(timings.length).toBeGreaterThanOrEqual(2);
  const fastest = timings.reduce((a, b) => (b.ms < a.ms ? b : a));
  await expect(page.getByTestId('backend-name')).toHaveText(fastest.backend);
  console.log(`auto: ${text}`);
});
