import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { openDatasetPanel } from './studio-helpers';

const CARVANA = path.resolve(process.cwd(), '../shared/data/carvana512-sample');

async function splitGroups(page: Page): Promise<{ train: string[]; val: string[]; test: string[] }> {
  await openDatasetPanel(page); // folded to one line once loaded
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export group ids' }).click();
  const file = await (await download).path();
  const split = JSON.parse(readFileSync(file, 'utf8'));
  return { train: split.train.groups, val: split.val.groups, test: split.test.groups };
}

/** 32 cars of 16 angles at 80/10/10 by car: val = test = round(3.2) = 3 cars, train the other 26. */
async function expectCarvanaSplit(page: Page) {
  for (const [part, cars] of [
    ['train', 26],
    ['val', 3],
    ['test', 3],
  ] as const) {
    await expect(page.getByTestId(`split-${part}-groups`)).toHaveText(String(cars));
    await expect(page.getByTestId(`split-${part}-pairs`)).toHaveText(String(cars * 16));
  }
}

function expectDisjoint(groups: { train: string[]; val: string[]; test: string[] }, total: number) {
  const all = [...groups.train, ...groups.val, ...groups.test];
  expect(new Set(all).size).toBe(all.length); // no car in two splits
  expect(all).toHaveLength(total);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
});

test('the Carvana sample loads through the folder input: 512 pairs, 32 cars, split 26/3/3 by car', async ({ page }) => {
  await page.getByTestId('folder-input').setInputFiles(CARVANA);
  await expect(page.getByTestId('pair-count')).toHaveText('512', { timeout: 120_000 });
  await expect(page.getByTestId('group-count')).toHaveText('32');
  await expectCarvanaSplit(page);
  expectDisjoint(await splitGroups(page), 32);
  await expect(page.getByTestId('thumbnails').locator('canvas')).toHaveCount(8);

  // Another seed gives another split, still disjoint; the same seed gives the same split again.
  const first = await splitGroups(page);
  await page.getByLabel('split seed').fill('7');
  await page.getByRole('button', { name: 'Apply split' }).click();
  await expect(page.getByTestId('split-table')).toContainText('seed 7');
  const other = await splitGroups(page);
  expectDisjoint(other, 32);
  expect(other.test).not.toEqual(first.test);
  await page.getByLabel('split seed').fill('1');
  await page.getByRole('button', { name: 'Apply split' }).click();
  await expect(page.getByTestId('split-table')).toContainText('seed 1');
  expect(await splitGroups(page)).toEqual(first);
});

test('the Carvana sample loads through a simulated drop of plain files', async ({ page }) => {
  const files = ['train', 'train_masks'].flatMap((folder) =>
    readdirSync(path.join(CARVANA, folder)).map((name) => ({
      name,
      base64: readFileSync(path.join(CARVANA, folder, name)).toString('base64'),
    })),
  );
  expect(files).toHaveLength(1024);
  await page.evaluate(async (all) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of all) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name, { type: name.endsWith('.gif') ? 'image/gif' : 'image/jpeg' }));
    }
    const target = document.querySelector('[data-testid="drop-target"]')!;
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
  await expect(page.getByTestId('pair-count')).toHaveText('512', { timeout: 120_000 });
  await expect(page.getByTestId('group-count')).toHaveText('32');
  await expectCarvanaSplit(page);
  expectDisjoint(await splitGroups(page), 32);
});

test('the sample button loads the bundled generated dataset in one click', async ({ page }) => {
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await expect(page.getByTestId('group-count')).toHaveText('8');
  // 8 cars at 80/10/10: val = round(0.8) = 1, test = 1, train = 6
  await expect(page.getByTestId('split-train-groups')).toHaveText('6');
  await expect(page.getByTestId('split-val-groups')).toHaveText('1');
  await expect(page.getByTestId('split-test-groups')).toHaveText('1');
  expectDisjoint(await splitGroups(page), 8);
});

test('an empty folder and an over-budget dataset get clear messages', async ({ page }) => {
  const empty = mkdtempSync(path.join(tmpdir(), 'empty-'));
  await page.getByTestId('folder-input').setInputFiles(empty);
  await expect(page.getByTestId('dataset-error')).toContainText('No files found');

  await page.getByLabel('Memory budget (MiB)').fill('64');
  await page.getByLabel('Training size (H x W)').selectOption('256x384');
  await page.getByTestId('folder-input').setInputFiles(CARVANA);
  await expect(page.getByTestId('dataset-error')).toContainText(
    '512 pairs at 256x384 need 192.0 MiB, over the memory budget of 64.0 MiB. Lower the training size, load at most 170 pairs, or raise the budget.',
  );
});

test('a .zip of a dataset loads through "Choose files or .zip"', async ({ page }) => {
  const { zipSync } = await import('fflate');
  const sample = path.resolve(process.cwd(), 'public/sample');
  const entries: Record<string, Uint8Array> = {};
  for (const folder of ['train', 'train_masks']) {
    for (const name of readdirSync(path.join(sample, folder))) entries[`cars/${folder}/${name}`] = readFileSync(path.join(sample, folder, name));
  }
  await page.getByTestId('files-input').setInputFiles({ name: 'cars.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync(entries)) });
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await expect(page.getByTestId('group-count')).toHaveText('8');
});
