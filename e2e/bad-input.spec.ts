import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { writeBadCorpus } from './harness/corpus';

// What the page must say for each kind of bad file (the corpus names the kind).
const REASONS: Record<string, RegExp> = {
  'corrupt-jpeg': /truncated or corrupt JPEG|could not decode/,
  'truncated-jpeg': /truncated or corrupt JPEG/,
  'corrupt-gif-mask': /truncated or corrupt GIF|could not decode/,
  'truncated-gif-mask': /truncated or corrupt GIF/,
  'empty-image': /empty file \(0 bytes\)/,
  'empty-mask': /empty file \(0 bytes\)/,
  'aspect-mismatch': /192x128 but its mask is 128x128: the aspect ratios differ/,
  'image-without-mask': /no mask found/,
  'mask-without-image': /mask has no matching image/,
  'not-an-image': /not an image/,
  'system-file': /hidden or system file/,
  'many-junk-files': /not an image \(\.txt\)/,
};

test('a corpus of bad input: every bad file is named with its reason, the good pairs load and train', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'bad-corpus-'));
  const manifest = writeBadCorpus(dir);
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await page.getByLabel('Training size (H x W)').selectOption('32x48');

  const started = Date.now();
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('pair-count')).toHaveText(String(manifest.goodPairs), { timeout: 180_000 });

  const loadedAt = Date.now();
  await page.getByTestId('skipped').locator('summary').click(); // the list starts closed when it is long
  const download = page.waitForEvent('download');
  await page.getByTestId('skipped').getByRole('button', { name: 'Download the full list' }).click();
  const skipped: Array<{ file: string; reason: string }> = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  console.log(`corpus of ${manifest.totalFiles} files loaded in ${((loadedAt - started) / 1000).toFixed(1)} s`);
  const top = path.basename(dir);
  const reasonOf = (file: string) => skipped.find((s) => s.file === `${top}/${file}`)?.reason;

  for (const c of manifest.cases.filter((c) => c.expect === 'skipped')) {
    if (c.problem === 'many-junk-files') {
      const junk = skipped.filter((s) => s.file.startsWith(`${top}/junk/`));
      expect(junk).toHaveLength(10_000);
      expect(junk.every((s) => REASONS[c.problem].test(s.reason))).toBe(true);
      continue;
    }
    expect(REASONS[c.problem], `a reason pattern for ${c.problem}`).toBeDefined();
    expect(reasonOf(c.file), `${c.file} (${c.problem})`).toMatch(REASONS[c.problem]);
  }
  for (const c of manifest.cases.filter((c) => c.expect === 'loaded-with-note')) {
    await expect(page.getByTestId('notes')).toContainText(`${top}/${c.file}`);
    await expect(page.getByTestId('notes')).toContainText('mask is empty');
  }
  for (const c of manifest.cases.filter((c) => c.expect !== 'skipped')) expect(reasonOf(c.file)).toBeUndefined();

  await page.getByTestId('notes').locator('summary').click();
  await page.screenshot({ path: testInfo.outputPath('bad-input.png'), fullPage: true });

  // The good pairs train: three steps of `tiny`, each with a finite loss.
  await page.getByLabel('Steps').fill('3');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const losses = (await page.getByTestId('step-loss').allTextContents()).map(Number);
  expect(losses).toHaveLength(3);
  expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
});
