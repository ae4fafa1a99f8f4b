/** Fixtures and page probes shared by the studio specs (not a spec itself). */
import { expect, type Download, type Page } from '@playwright/test';
import { encodePng } from './harness/png';
import { renderCarScene } from '../src/data/synthetic';

/** A new photo the model never saw: a generated car at Carvana's aspect, as PNG. */
export function newPhoto(carSeed = 4242): Buffer {
  const [width, height] = [240, 160];
  const { rgb } = renderCarScene({ carSeed, angleIndex: 3, width, height });
  return Buffer.from(encodePng({ width, height, colorType: 'rgb', bitDepth: 8, data: rgb }));
}

/** A PNG of one colour (a background image whose every pixel is known, whatever the scaling). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgb, p * 3);
  return Buffer.from(encodePng({ width, height, colorType: 'rgb', bitDepth: 8, data }));
}

/** FNV-1a over bytes, written here again (not imported from the app) to check the page's fingerprint. */
export function fnv1a(bytes: ArrayLike<number>): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** Decodes a PNG with the browser, without premultiplying, so alpha and opaque colours are exact. */
export async function decodePng(page: Page, png: Buffer): Promise<{ width: number; height: number; rgba: number[] }> {
  return page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, Array.from(png));
}

/** Per canvas: the variance of its red channel (0 for a blank canvas). */
export async function canvasVariance(page: Page, selector: string): Promise<number[]> {
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

/** Per canvas: how many pixels are white (255, 255, 255) and how many black, as a mask canvas draws car and background. */
export async function maskCanvasCounts(page: Page, selector: string): Promise<Array<{ white: number; black: number; pixels: number }>> {
  return page.locator(selector).evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((canvas) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let [white, black] = [0, 0];
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) white++;
        if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 0) black++;
      }
      return { white, black, pixels: data.length / 4 };
    }),
  );
}

/** A fingerprint of every canvas the selector matches, to see whether any of them changed. */
export async function canvasesFingerprint(page: Page, selector: string): Promise<string> {
  const all = await page
    .locator(selector)
    .evaluateAll((canvases) =>
      (canvases as HTMLCanvasElement[]).flatMap((canvas) => Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data)),
    );
  return fnv1a(all);
}

/** Simulates dropping files (a DataTransfer of Files, as a real drop of files gives) on the element. */
export async function dropFiles(page: Page, selector: string, files: Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<boolean> {
  return page.evaluate(
    ({ selector, files }) => {
      const transfer = new DataTransfer();
      for (const f of files) transfer.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mimeType }));
      const target = document.querySelector(selector)!;
      // dispatchEvent returns false when a handler called preventDefault (the browser would not navigate).
      return !target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { selector, files: files.map((f) => ({ name: f.name, mimeType: f.mimeType, bytes: Array.from(f.buffer) })) },
  );
}

/** Every form control has an accessible name. */
export async function expectLabelledControls(page: Page): Promise<void> {
  const unnamed = await page.locator('input:not([type=hidden]):not([hidden]), select, button').evaluateAll((elements) =>
    elements
      .filter((el) => {
        const e = el as HTMLInputElement;
        const label =
          e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent?.trim());
        return !label;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);
}

/** Tab (never the mouse) reaches a button with this text, in at most `limit` presses from the top. */
export async function expectKeyboardReaches(page: Page, name: string, limit = 200): Promise<void> {
  await page.locator('body').focus();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent)) === name) break;
  }
  expect(await page.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent)).toBe(`BUTTON ${name}`);
}

/** The page fits the viewport's width: no horizontal scrollbar. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
    // The elements sticking out on the right, innermost first, to say what to fix.
    culprits: Array.from(document.querySelectorAll('body *'))
      .filter(
        (el) =>
          el.getBoundingClientRect().right > window.innerWidth + 0.5 &&
          !Array.from(el.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5),
      )
      // Inside a scrolling (or clipping) box, sticking out is that box's business, not the page's.
      .filter((el) => {
        for (let up = el.parentElement; up; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return false;
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.outerHTML.slice(0, 100)} (right ${el.getBoundingClientRect().right.toFixed(0)})`),
  }));
  expect(scrollWidth, `page is ${scrollWidth} px wide in a ${innerWidth} px window: ${culprits.join('; ')}`).toBeLessThanOrEqual(innerWidth);
}

/** The run panel's Export menu: one of its choices, downloaded (the menu is opened first when closed). */
export async function exportFromMenu(
  page: Page,
  which: 'Current model' | 'Best checkpoint',
  format: 'tfjs zip (with model.onnx)' | 'ONNX file' | 'PyTorch job (.zip)',
): Promise<Download> {
  const menu = page.getByTestId('export-menu');
  if (!(await menu.isVisible())) await page.getByTestId('run-panel').getByRole('button', { name: 'Export', exact: true }).click();
  const download = page.waitForEvent('download');
  await menu.getByRole('group', { name: which }).getByRole('button', { name: format }).click();
  return download;
}

/** Opens a folded section (the <details> `details`, by a click on `summary`) unless it is open already. */
async function openFold(page: Page, details: string, summary: string): Promise<void> {
  const fold = page.locator(details);
  if (!(await fold.evaluate((el) => (el as HTMLDetailsElement).open))) await page.locator(summary).click();
  await expect(fold).toHaveAttribute('open', '');
}

/** The dataset panel folds to one line once a dataset has loaded: this opens it (its buttons, split, budget). */
export const openDatasetPanel = (page: Page) => openFold(page, '[data-testid="dataset-panel"] > details.fold', '[data-testid="dataset-toggle"]');

/** The quick check sits folded at the foot of the Engine panel: this opens it (Steps, Train). */
export const openQuickCheck = (page: Page) => openFold(page, '[data-testid="quick-check"] > details', '[data-testid="quick-check"] summary');
