import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';
import { CORPUS_TRAINING_SIZE, writeBadCorpus } from './harness/corpus';
import { openQuickCheck } from './studio-helpers';
import { expectRunDone } from './run-done';

// What the page must say for each kind of bad file (the corpus names the kind).
const BROWSER_REFUSED = /^could not decode: the browser could not decode it \(.+\)$/;
const REASONS: Record<string, RegExp> = {
  'corrupt-jpeg': /^truncated or corrupt JPEG \(no end-of-image marker after the image data\)$/,
  'truncated-jpeg': /^truncated or corrupt JPEG \(no end-of-image marker after the image data\)$/,
  'corrupt-gif-mask': /^corrupt GIF \(byte 0x42 at byte 19 starts no GIF block\)$/,
  'truncated-gif-mask': /^truncated or corrupt GIF \(the file ends inside its first image\)$/,
  'undecodable-jpeg': BROWSER_REFUSED,
  'undecodable-gif-mask': BROWSER_REFUSED,
  'empty-image': /empty file \(0 bytes\)/,
  'empty-mask': /empty file \(0 bytes\)/,
  'aspect-mismatch': /192x128 but its mask is 128x128: the aspect ratios differ/,
  'image-without-mask': /no mask found/,
  'mask-without-image': /mask has no matching image/,
  'not-an-image': /not an image/,
  'system-file': /hidden or system file/,
  'many-junk-files': /not an image \(\.txt\)/,
};

/**
 * Tolerances on what was decoded, as fractions of the 1,536 pixels at 32x48:
 * - each mask's coverage must lie within its cell bounds (MaskExpectation: all-car cells must read
 *   car, car-free cells background; for these masks the outline crosses 56 to 104 cells, so the
 *   band is 4-7%), widened by 1 pixel for rounding in the resampler. Misread as all car or all
 *   background, a mask is off by its coverage (0.2-0.4 here) or its complement.
 * - the same mask stored as GIF and as every PNG flavour goes through the same resize as the same
 *   0/255 pixels: their coverages must agree within 1 pixel.
 */
const PIXEL = 1 / (CORPUS_TRAINING_SIZE.height * CORPUS_TRAINING_SIZE.width);

type SummaryCapture = { maskCoverage: Array<{ mask: string; coverage: number }> };

test('a corpus of bad input: every bad file is named with its reason, the good pairs load and train', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'bad-corpus-'));
  const manifest = writeBadCorpus(dir);
  // The worker's dataset event holds each mask's coverage; the page shows only min/median/max, so
  // the test listens to the worker's messages alongside the studio.
  await page.addInitScript(() => {
    const Native = window.Worker;
    const captured: unknown[] = [];
    Object.assign(window, { capturedSummaries: captured });
    window.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent) => {
          if (event.data?.type === 'dataset') captured.push(event.data.summary);
        });
      }
    };
  });
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await page.getByLabel('Training size (H x W)').selectOption(`${CORPUS_TRAINING_SIZE.height}x${CORPUS_TRAINING_SIZE.width}`);

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
  for (const problem of ['undecodable-jpeg', 'undecodable-gif-mask']) {
    const c = manifest.cases.find((k) => k.problem === problem)!;
    const badHalf = problem === 'undecodable-jpeg' ? 'image' : 'mask';
    expect(reasonOf(c.partner!), `${c.partner} (partner of ${problem})`).toBe(`its ${badHalf} ${top}/${c.file} could not be decoded`);
  }

  // What was decoded: each loaded mask's coverage as the studio read it, against what was written.
  const summaries = await page.evaluate(() => (window as unknown as { capturedSummaries: SummaryCapture[] }).capturedSummaries);
  const read = new Map(summaries[summaries.length - 1]!.maskCoverage.map((m) => [m.mask.slice(top.length + 1), m.coverage]));
  expect([...read.keys()].sort()).toEqual(Object.keys(manifest.masks).sort());
  for (const [file, { written, min, max }] of Object.entries(manifest.masks)) {
    const decoded = read.get(file)!;
    const where = `${file}: read ${decoded.toFixed(4)}, written ${written.toFixed(4)}, cells allow ${min.toFixed(4)}..${max.toFixed(4)}`;
    expect(decoded, where).toBeGreaterThanOrEqual(min - PIXEL);
    expect(decoded, where).toBeLessThanOrEqual(max + PIXEL);
  }
  // One mask, seven files: the whole GIF is the reference for the others.
  const reference = read.get(manifest.cases.find((c) => c.problem === 'jpeg-with-trailing-bytes')!.partner!)!;
  for (const problem of [
    'gif-mask-without-trailer',
    'png-mask-grey',
    'png-mask-rgba-alpha',
    'png-mask-rgba-opaque',
    'png-mask-palette',
    'png-mask-grey-16bit',
  ]) {
    const file = manifest.cases.find((c) => c.problem === problem)!.file;
    expect(Math.abs(read.get(file)! - reference), `${problem}: ${read.get(file)} against the GIF's ${reference}`).toBeLessThanOrEqual(PIXEL);
  }

  await page.getByTestId('notes').locator('summary').click();
  await page.screenshot({ path: testInfo.outputPath('bad-input.png'), fullPage: true });

  // The good pairs train: three steps of `tiny`, each with a finite loss.
  await openQuickCheck(page);
  await page.getByLabel('Steps').fill('3');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expectRunDone(page, 120_000, 'run-status');
  const losses = (await page.getByTestId('step-loss').allTextContents()).map(Number);
  expect(losses).toHaveLength(3);
  expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
});
