/**
 * Every setting, engine and data included, lives in one schema: saved in localStorage, written to
 * the address bar, read back from a shared link; every way data arrives uses the split settings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Page } from '@playwright/test';
import { expect, record, test } from './fixtures';
import { dropFiles, openDatasetPanel } from './studio-helpers';

const SAMPLE = path.resolve(process.cwd(), 'public/sample');
const sampleFiles = () =>
  ['train', 'train_masks'].flatMap((folder) =>
    readdirSync(path.join(SAMPLE, folder)).map((name) => ({
      name,
      mimeType: name.endsWith('.gif') ? 'image/gif' : 'image/jpeg',
      buffer: readFileSync(path.join(SAMPLE, folder, name)),
    })),
  );
const query = (page: Page) => new URL(page.url()).searchParams;

test('settings survive a reload (localStorage) and a shared link opens with its settings', async ({ page, browser, baseURL, pageLog }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await page.getByLabel('Learning rate').fill('0.01');
  await page.getByLabel('Learning rate').press('Enter');
  // Editing a setting keeps the engine's settings in the URL (it used to drop all but ?backend).
  await expect.poll(() => query(page).get('lr')).toBe('0.01');
  expect(query(page).get('backend')).toBe('cpu');

  // wasm threads are fixed when the engine starts: choosing 2 reloads the page with threads=2.
  expect(await page.evaluate(() => navigator.hardwareConcurrency)).toBeGreaterThanOrEqual(2);
  const reloaded = page.waitForEvent('load');
  await page.getByLabel('wasm threads').selectOption('2');
  await reloaded;
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  expect(Object.fromEntries(query(page))).toMatchObject({ backend: 'cpu', threads: '2', lr: '0.01' });
  await expect(page.getByLabel('wasm threads')).toHaveValue('2');
  // Another edit keeps threads=2 in the link (it used to drop it).
  await page.getByLabel('Momentum').fill('0.8');
  await page.getByLabel('Momentum').press('Enter');
  await expect.poll(() => query(page).get('mom')).toBe('0.8');
  expect(Object.fromEntries(query(page))).toMatchObject({ backend: 'cpu', threads: '2', lr: '0.01' });

  // A bare address: everything comes back from localStorage.
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await expect(page.getByLabel('Backend', { exact: true })).toHaveValue('cpu');
  await expect(page.getByLabel('wasm threads')).toHaveValue('2');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.01');

  // A shared link in a fresh browser (nothing saved): its split, seed, budget and rate apply.
  const context = await browser.newContext({ baseURL });
  record(context, pageLog);
  const shared = await context.newPage();
  try {
    await shared.goto('/?backend=cpu&lr=0.02&train=70&val=15&test=15&splitSeed=5&budget=512');
    await expect(shared.getByTestId('backend-name')).toHaveText('cpu');
    await expect(shared.getByLabel('Learning rate')).toHaveValue('0.02');
    // auto (0) by default (see the wasmThreads entry in src/settings/schema.ts).
    await expect(shared.getByLabel('wasm threads')).toHaveValue('0');
    await expect(shared.getByLabel('Memory budget (MiB)')).toHaveValue('512');
    await shared.getByRole('button', { name: 'Use sample dataset' }).click();
    await expect(shared.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
    await expect(shared.getByTestId('split-table').locator('caption')).toContainText('seed 5: 70/15/15');
    // The split fields show the split in use, not 80/10/10 seed 1.
    await expect(shared.getByLabel('train percent')).toHaveValue('70');
    await expect(shared.getByLabel('test percent')).toHaveValue('15');
    await expect(shared.getByLabel('split seed')).toHaveValue('5');
  } finally {
    await context.close();
  }
});

test('a drop anywhere loads with the split settings; the memory budget applies on Enter, not per keystroke', async ({ page }) => {
  await page.goto('/?backend=cpu&train=60&val=20&test=20&splitSeed=3');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  // On the page's root, outside every panel (a margin): handled (default prevented: no navigation).
  expect(await dropFiles(page, 'html', sampleFiles())).toBe(true);
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await expect(page.getByTestId('split-table').locator('caption')).toContainText('seed 3: 60/20/20');
  // Also below the content, on the body.
  expect(await dropFiles(page, 'body', sampleFiles())).toBe(true);
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('split-table').locator('caption')).toContainText('seed 3: 60/20/20');

  // Typing "2" MiB (the sample needs 3 MiB at 64x96) reloads nothing until Enter.
  await openDatasetPanel(page); // folded to one line once loaded
  const budget = page.getByLabel('Memory budget (MiB)');
  await budget.fill('');
  await budget.pressSequentially('2', { delay: 50 });
  await page.waitForTimeout(500);
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0);
  await expect(page.getByTestId('dataset-error')).toHaveCount(0);
  await expect(page.getByTestId('pair-count')).toHaveText('128');
  await budget.press('Enter');
  await expect(page.getByTestId('dataset-error')).toContainText('over the memory budget of 2.0 MiB', { timeout: 30_000 });
  // Raised again and left with Tab (blur): the same files load again.
  await budget.fill('1024');
  await budget.press('Tab');
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  expect(new URL(page.url()).searchParams.get('budget')).toBe(null); // back at the default, so not in the link
});

test('help text is reachable from the keyboard: shown under the focused field, and its description', async ({ page }) => {
  await page.goto('/?backend=cpu');
  const rate = page.getByLabel('Learning rate');
  const hint = page.getByTestId('setting-learningRate-hint');
  await expect(hint).toBeHidden();
  await rate.focus();
  await expect(hint).toBeVisible();
  await expect(hint).toContainText('Step size.');
  await expect(rate).toHaveAccessibleDescription(/^Step size\./);
  // The focus ring is the contrast-checked colour, 3 px.
  expect(await rate.evaluate((el) => getComputedStyle(el).outlineColor)).toBe('rgb(180, 83, 9)');
});

test("an empty Width is the model's own, shown in the field; a number narrows it, and clearing it goes back", async ({ page }) => {
  await page.goto('/?backend=cpu&model=transunet');
  const width = page.getByLabel('Width (channels)');
  const facts = page.getByTestId('preset-facts');
  await expect(width).toHaveValue('');
  await expect(width).toHaveAttribute('placeholder', 'default 16');
  await expect(facts).toHaveText(/^transunet: [\d,]+ parameters/);
  await width.fill('8');
  await width.press('Enter');
  await expect(facts).toHaveText(/^transunet width 8: [\d,]+ parameters/);
  await expect.poll(() => query(page).get('base')).toBe('8');
  await width.fill('');
  await width.press('Enter');
  await expect(width).toHaveValue('');
  await expect(facts).toHaveText(/^transunet: [\d,]+ parameters/);
  // The placeholder follows the model.
  await page.getByLabel('Model', { exact: true }).selectOption('tiny');
  await expect(width).toHaveAttribute('placeholder', 'default 4');
});
