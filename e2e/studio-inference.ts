/**
 * The studio flow's inference part, after a model was imported: a new photo cut out (its PNG's alpha
 * is above 0 exactly on the page's thresholded mask, soft at the edge), composites on a colour and on images (picked and
 * dropped), a photo dropped on the panel, and chosen test-split images.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { decodePng, dropFiles, fnv1a, newPhoto, openDatasetPanel, solidPng } from './studio-helpers';

export async function cutCarsOut(page: Page): Promise<void> {
  // Inference on a new photo with the imported model: a PNG with alpha, transparent where the model sees background.
  await page.getByLabel('imported model', { exact: true }).check();
  await page.getByTestId('inference-input').setInputFiles({ name: 'new-car.png', mimeType: 'image/png', buffer: newPhoto() });
  const result = page.getByTestId('inference-result');
  await expect(result).toHaveCount(1);
  const carPixels = Number(await result.getAttribute('data-car-pixels'));
  const maskChecksum = await result.getAttribute('data-mask-checksum');
  const download1 = async (name: string) => {
    const wait = page.waitForEvent('download');
    await result.getByRole('button', { name }).click();
    return readFileSync(await (await wait).path());
  };
  const png = await download1('Download cut-out PNG');
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(240); // width from IHDR
  expect(png[25]).toBe(6); // colour type 6: RGBA
  // Pixel by pixel: where the PNG's alpha is above 0 is the page's thresholded mask (its FNV-1a,
  // recomputed here from the decoded alpha); the edge is soft (some pixels partly transparent).
  const cut = await decodePng(page, png);
  const alpha = cut.rgba.filter((_, i) => i % 4 === 3);
  const opaque = alpha.map((a) => (a > 0 ? 255 : 0));
  expect(fnv1a(opaque)).toBe(maskChecksum);
  expect(opaque.filter((a) => a === 255).length).toBe(carPixels);
  expect(alpha.some((a) => a > 0 && a < 255)).toBe(true);
  expect(carPixels).toBeGreaterThan(0);
  const background = alpha.flatMap((a, p) => (a === 0 ? [p] : []));
  expect(background.length).toBeGreaterThan(0);

  // Composites: on a chosen colour, then on a background image; their background pixels are that colour / image.
  const compositeBackground = async () => {
    const composite = await decodePng(page, await download1('Download composite PNG'));
    expect([composite.width, composite.height]).toEqual([240, 160]);
    return background.map((p) => composite.rgba.slice(p * 4, p * 4 + 4).join(','));
  };
  await page.getByTestId('background-colour').fill('#c81e64');
  expect(new Set(await compositeBackground())).toEqual(new Set(['200,30,100,255']));
  await page.getByTestId('background-input').setInputFiles({ name: 'teal.png', mimeType: 'image/png', buffer: solidPng(30, 20, [12, 150, 140]) });
  await expect(page.getByTestId('background-drop')).toContainText('image: teal.png');
  expect(new Set(await compositeBackground())).toEqual(new Set(['12,150,140,255']));
  // An image dropped on the background control replaces it, and goes no further (no dataset load).
  expect(await dropFiles(page, '[data-testid="background-drop"]', [{ name: 'plum.png', mimeType: 'image/png', buffer: solidPng(8, 8, [90, 40, 120]) }])).toBe(
    true,
  );
  await expect(page.getByTestId('background-drop')).toContainText('image: plum.png');
  expect(new Set(await compositeBackground())).toEqual(new Set(['90,40,120,255']));

  // A photo dropped on the panel is cut out; the page-wide dataset drop does not fire.
  await openDatasetPanel(page); // folded to one line once loaded: its facts are read as shown
  const datasetSource = await page.getByTestId('dataset-summary').locator('dd').first().innerText();
  expect(await dropFiles(page, '[data-testid="inference-panel"]', [{ name: 'dropped-car.png', mimeType: 'image/png', buffer: newPhoto(777) }])).toBe(true);
  await expect(result).toHaveAttribute('data-name', 'dropped-car.png');
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0);
  await expect(page.getByTestId('dataset-summary').locator('dd').first()).toHaveText(datasetSource);
  await expect(page.getByTestId('pair-count')).toHaveText('128');
  // Chosen test-split images, by name: this run's model predicts exactly those.
  await page.getByLabel('this run').check();
  const picker = page.getByTestId('test-picker');
  const testNames = await picker.locator('option').allTextContents();
  expect(testNames).toHaveLength(16);
  await picker.selectOption([testNames[5], testNames[11]]);
  await page.getByTestId('predict-test').click();
  await expect(page.getByTestId('inference-result')).toHaveCount(2);
  expect(await page.getByTestId('inference-result').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual([testNames[5], testNames[11]]);
}
