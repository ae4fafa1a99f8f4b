import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { encodePng } from './harness/png';
import { renderCarScene } from '../src/data/synthetic';

declare global {
  interface Window {
    longTasks: number[];
    longFrames: string[];
  }
}

/** A new photo the model never saw: a generated car at Carvana's aspect, as PNG. */
function newPhoto(): Buffer {
  const [width, height] = [240, 160];
  const { rgb } = renderCarScene({ carSeed: 4242, angleIndex: 3, width, height });
  return Buffer.from(encodePng({ width, height, colorType: 'rgb', bitDepth: 8, data: rgb }));
}

async function canvasVariance(page: Page, selector: string): Promise<number[]> {
  return page.locator(selector).evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((canvas) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let [sum, sq] = [0, 0];
      for (let i = 0; i < data.length; i += 4) {
        sum += data[i];
        sq += data[i] * data[i];
      }
      const n = data.length / 4;
      return sq / n - (sum / n) ** 2;
    }),
  );
}

test('the whole studio flow on the sample: load, train, steer, inspect, export, import, cut a car out', async ({ page, baseURL }, testInfo) => {
  test.setTimeout(300_000);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.addInitScript(() => {
    window.longTasks = [];
    window.longFrames = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    // Long animation frames name the scripts that ran: printed when a long task fails the test.
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => {
        const frame = e as PerformanceEntry & { scripts?: Array<{ invoker: string; duration: number; sourceURL: string; sourceCharPosition: number }> };
        if (e.duration > 50) window.longFrames.push(`${e.duration.toFixed(0)} ms: ${(frame.scripts ?? []).map((x) => `${x.invoker} ${x.duration.toFixed(0)} ms ${x.sourceURL.split('/').pop()}:${x.sourceCharPosition}`).join(', ')}`);
      }),
    ).observe({ type: 'long-animation-frame', buffered: true });
  });
  const shot = (name: string) => page.getByRole('region', { name }).screenshot({ path: testInfo.outputPath(`panel-${name.toLowerCase().replace(/\W+/g, '-')}.png`) });

  await page.goto('/?backend=wasm&model=tiny&size=32x48&batch=8&epochs=3&lr=0.003');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await expect(page.getByText('Your photos never leave this machine')).toBeVisible();
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await shot('Dataset');

  // Train; steer it mid-run: a learning-rate change (marked on the charts), pause and resume.
  const run = page.getByTestId('run-panel');
  await run.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(async () => Number(await page.getByTestId('num-tensors').getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.evaluate(() => ((window.longTasks = []), (window.longFrames = []))); // compiling is over: from here on the page must stay responsive
  await page.getByLabel(/Learning rate/).fill('0.002');
  await page.getByLabel(/Learning rate/).press('Enter');
  await expect(page.getByTestId('change-marker')).toHaveCount(1, { timeout: 30_000 });
  await run.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'paused');
  await run.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  const longTasks = await page.evaluate(() => window.longTasks);
  console.log(`long tasks while training: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`);
  if (longTasks.some((d) => d > 50)) console.log((await page.evaluate(() => window.longFrames)).join('\n'));
  expect(Math.max(0, ...longTasks)).toBeLessThanOrEqual(50);

  // Charts have points; the marker shows on the step-loss chart.
  await expect(page.getByTestId('chart-step-loss').locator('.recharts-line-curve')).toHaveAttribute('d', /M.+L/);
  await expect(page.getByTestId('chart-metrics').locator('.recharts-line-curve').first()).toHaveAttribute('d', /M.+L/);
  await expect(page.getByTestId('chart-step-loss').locator('.recharts-reference-line')).toHaveCount(1);
  await expect(page.getByTestId('chart-step-loss').locator('.marker-label title')).toHaveText(/^step \d+: learningRate 0.00300 → 0.00200$/);
  await shot('Training');
  await shot('Curves');

  // Drag across the step-loss chart to zoom into those steps; the button shows the range and resets it.
  const surface = page.getByTestId('chart-step-loss').locator('.recharts-surface');
  const box = (await surface.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const reset = page.getByTestId('zoom-reset');
  await expect(reset).toHaveText(/^Steps \d+–\d+: show all$/);
  const [from, to] = (await reset.innerText()).match(/\d+/g)!.map(Number);
  const lastStep = Number(await page.getByTestId('num-tensors').getAttribute('data-step'));
  expect(from).toBeGreaterThan(1);
  expect(to).toBeLessThan(lastStep);
  await reset.click();
  await expect(reset).toHaveCount(0);

  // Overlays are drawn (not blank), and the threshold slider changes the shown Dice.
  await expect(page.getByTestId('overlay-card')).toHaveCount(6);
  for (const variance of await canvasVariance(page, '[data-testid="overlay-canvas-error"]')) expect(variance).toBeGreaterThan(10);
  const diceBefore = await page.getByTestId('overlay-dice').first().innerText();
  await page.getByTestId('threshold-slider').fill('0.95');
  await expect(page.getByTestId('overlay-dice').first()).not.toHaveText(diceBefore);
  await page.getByTestId('threshold-slider').fill('0.5');
  await shot('Predictions on tracked validation images');
  await expect(page.getByTestId('test-row')).toHaveCount(16);
  await shot('Test results');

  // A test row opens its overlay: the worker predicts that image again with the same model, so the
  // dialog's Dice (from the Uint8 map at threshold 0.5) matches the table's (from logits) within 0.01.
  const worst = page.getByTestId('test-row').first();
  const rowDice = Number(await worst.locator('td').first().innerText());
  await worst.getByRole('button').click();
  const dialog = page.getByTestId('test-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText(`${await worst.getByRole('button').innerText()}: Overlay`);
  const dialogDice = Number((await dialog.getByTestId('dialog-dice').innerText()).replace('Dice ', ''));
  expect(Math.abs(dialogDice - rowDice)).toBeLessThanOrEqual(0.01);
  await dialog.getByRole('button', { name: 'Error map' }).click();
  for (const variance of await canvasVariance(page, '[data-testid="test-dialog"] canvas')) expect(variance).toBeGreaterThan(10);
  await dialog.screenshot({ path: testInfo.outputPath('test-image-dialog.png') });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Re-scored at another threshold: the caption says which, and no image's recall can rise at a higher one.
  const recalls = () => page.getByTestId('test-row').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector('th')!.textContent, Number(r.querySelectorAll('td')[3]!.textContent)])));
  const recallAtHalf = await recalls();
  await page.getByTestId('threshold-slider').fill('0.9');
  await page.getByTestId('rescore-test').click();
  await expect(page.getByTestId('test-results').locator('caption')).toContainText('threshold 0.90');
  for (const [name, recall] of Object.entries(await recalls())) expect(recall, name).toBeLessThanOrEqual(recallAtHalf[name]!);
  await page.getByTestId('threshold-slider').fill('0.5');

  // Export downloads a non-empty zip that imports back.
  const download = page.waitForEvent('download');
  await run.getByRole('button', { name: 'Export model (.zip)' }).click();
  const zip = readFileSync(await (await download).path());
  expect(zip.length).toBeGreaterThan(100_000);
  // The best checkpoint (by validation Dice) exports too, and its run.json says which epoch it is.
  const bestButton = run.getByRole('button', { name: /^Export best \(epoch \d+\)$/ });
  const bestEpoch = Number((await bestButton.innerText()).match(/\d+/)![0]);
  const bestDownload = page.waitForEvent('download');
  await bestButton.click();
  const best = await bestDownload;
  expect(best.suggestedFilename()).toMatch(/-best\.zip$/);
  const bestRun = JSON.parse(strFromU8(unzipSync(readFileSync(await best.path()))['run.json']!));
  expect(bestRun.exported).toMatchObject({ which: 'best', epoch: bestEpoch });
  const dices: number[] = bestRun.history.map((h: { dice: number }) => h.dice);
  expect(dices[bestEpoch - 1]).toBe(Math.max(...dices)); // the epoch with the highest val Dice
  await page.getByTestId('import-input').setInputFiles({ name: 'tiny.zip', mimeType: 'application/zip', buffer: zip });
  await expect(page.getByTestId('imported')).toContainText('Imported a model for 32x48 images');

  // Inference on a new photo with the imported model: a PNG with alpha, transparent where the model sees background.
  await page.getByLabel('imported model', { exact: true }).check();
  await page.getByTestId('inference-input').setInputFiles({ name: 'new-car.png', mimeType: 'image/png', buffer: newPhoto() });
  const result = page.getByTestId('inference-result');
  await expect(result).toHaveCount(1);
  const carPixels = Number(await result.getAttribute('data-car-pixels'));
  const pngDownload = page.waitForEvent('download');
  await result.getByRole('button', { name: 'Download cut-out PNG' }).click();
  const png = readFileSync(await (await pngDownload).path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(240); // width from IHDR
  expect(png[25]).toBe(6); // colour type 6: RGBA
  const opaque = await page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), { premultiplyAlpha: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) count += data[i] === 255 ? 1 : data[i] === 0 ? 0 : NaN;
    return count;
  }, Array.from(png));
  expect(opaque).toBe(carPixels); // every pixel fully opaque (car) or fully transparent (background), as predicted
  expect(carPixels).toBeGreaterThan(0);
  await shot('Cut cars out of new photos');
  await shot('Settings');
  await shot('Runs in this browser');
  await page.screenshot({ path: testInfo.outputPath('studio-1280x800.png'), fullPage: true });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: testInfo.outputPath('studio-1920x1080.png'), fullPage: false });

  // Nothing left this machine: every request is to the page's own origin, or blob:/data:.
  const foreign = requests.filter((url) => !url.startsWith(baseURL!) && !url.startsWith('blob:') && !url.startsWith('data:'));
  expect(foreign).toEqual([]);
  expect(requests.length).toBeGreaterThan(10);
});

test('controls are labelled and reachable from the keyboard', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  // Every form control has an accessible name.
  const unnamed = await page.locator('input:not([type=hidden]):not([hidden]), select, button').evaluateAll((elements) =>
    elements.filter((el) => {
      const e = el as HTMLInputElement;
      const label = e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent?.trim());
      return !label;
    }).map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);
  // Tab reaches the sample button and Enter loads the sample.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Use sample dataset') break;
  }
  await expect(page.getByRole('button', { name: 'Use sample dataset' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
});
