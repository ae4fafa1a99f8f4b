/**
 * One screen while it learns (issue 15): while a real run trains (`tiny` on the bundled sample, on
 * wasm), the run controls and status, the step-loss and validation-metrics charts and two tracked
 * overlays lie inside the viewport, unscrolled and uncovered, at 1920x1080 and 1440x900; the controls
 * and both charts at 1280x800; nothing overflows sideways there nor at 1024x768. Each size is saved as
 * test-results/layout-<w>x<h>.png (look at them).
 */
import path from 'node:path';
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { expectNoHorizontalOverflow } from './studio-helpers';

// Enough epochs that the run is still training when the last size is measured; the test stops it.
const URL = '/?backend=wasm&model=tiny&size=32x48&batch=8&epochs=200&lr=0.003';
const LIVE = /^(compiling|training|evaluating)$/;

/** What must be on screen: the run's controls and status, both charts, then (where asked) two overlays. */
function required(page: Page, withOverlays: boolean): Array<[string, Locator]> {
  const always: Array<[string, Locator]> = [
    ['run controls', page.getByTestId('run-controls')],
    ['run status', page.getByTestId('train-status')],
    ['step-loss chart', page.getByTestId('chart-step-loss')],
    ['validation-metrics chart', page.getByTestId('chart-metrics')],
  ];
  const overlays: Array<[string, Locator]> = [
    ['first tracked overlay', page.getByTestId('overlay-card').nth(0)],
    ['second tracked overlay', page.getByTestId('overlay-card').nth(1)],
  ];
  return withOverlays ? [...always, ...overlays] : always;
}

/** The element's whole box lies in the viewport (0..width, 0..height) and nothing covers its centre. */
async function expectOnScreen(page: Page, name: string, locator: Locator): Promise<void> {
  const { width, height } = page.viewportSize()!;
  const box = await locator.boundingBox();
  expect(box, `${name} has a box`).not.toBeNull();
  const { x, y, width: w, height: h } = box!;
  const where = `${name} at x ${x.toFixed(0)}..${(x + w).toFixed(0)}, y ${y.toFixed(0)}..${(y + h).toFixed(0)} in ${width}x${height}`;
  expect(x, where).toBeGreaterThanOrEqual(0);
  expect(y, where).toBeGreaterThanOrEqual(0);
  expect(x + w, where).toBeLessThanOrEqual(width);
  expect(y + h, where).toBeLessThanOrEqual(height);
  // In the viewport is not enough if something (a sticky column, a popover) lies on top of it.
  const hit = await locator.evaluate((el, [cx, cy]) => el.contains(document.elementFromPoint(cx, cy)), [x + w / 2, y + h / 2]);
  expect(hit, `${where}: its centre shows the element itself`).toBe(true);
}

/** Two animation frames: the charts re-measure their width (ResizeObserver) after a resize. */
const settle = (page: Page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

test('while a run trains, its controls, curves and two overlays share one screen at 1920x1080 and 1440x900; controls and curves at 1280x800', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(URL);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');

  // Before any data the sample is one click away, on the first screen, also at the smallest size.
  const sample = page.getByRole('button', { name: 'Use sample dataset' });
  await expectOnScreen(page, 'the sample button', sample);
  await page.screenshot({ path: path.resolve('test-results', 'layout-1920x1080-before-data.png') });
  await page.setViewportSize({ width: 1024, height: 768 });
  await expectOnScreen(page, 'the sample button', sample);
  await expectNoHorizontalOverflow(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await sample.click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });

  // Loaded, the dataset panel folds to one line (8 cars: 6/1/1 at 80/10/10); a click opens it again.
  const line = page.getByTestId('dataset-line');
  await expect(line).toHaveText('sample dataset (8 generated cars x 16 angles): 128 pairs of 8 cars at 32x48; split by car 6/1/1 (seed 1)');
  await expect(sample).toBeHidden();
  const datasetBox = (await page.getByTestId('dataset-panel').boundingBox())!;
  expect(datasetBox.height).toBeLessThan(60); // one line, not the panel
  await page.getByTestId('dataset-toggle').click();
  await expect(sample).toBeVisible();
  await page.getByTestId('dataset-toggle').click();
  await expect(sample).toBeHidden();

  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  // The first epoch's predictions are drawn: six tracked images, each with its overlay canvas.
  await expect(page.getByTestId('overlay-canvas-overlay')).toHaveCount(6, { timeout: 150_000 });
  // Two epochs in, so the metrics chart has lines to show in the screenshots.
  await expect(page.getByTestId('chart-metrics').locator('.chart-line').first()).toHaveAttribute('d', /M.+L/, { timeout: 150_000 });

  for (const [width, height, withOverlays] of [
    [1920, 1080, true],
    [1440, 900, true],
    [1280, 800, false],
    [1024, 768, null],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await settle(page);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', LIVE);
    if (withOverlays !== null) for (const [name, locator] of required(page, withOverlays)) await expectOnScreen(page, name, locator);
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: path.resolve('test-results', `layout-${width}x${height}.png`) });
  }
  // Still training after the last size: every box above was measured mid-run.
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', LIVE);
  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', /stopped|done/, { timeout: 60_000 });
});

test('settings groups fold from the keyboard with a visible focus ring; the quick check sits folded in the Engine panel', async ({ page }) => {
  await page.goto('/?backend=cpu&lr=0.004');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  const group = page.getByTestId('settings-group-optimizer');
  const rate = page.getByLabel('Learning rate');
  await expect(rate).toBeVisible();
  await expect(rate).toHaveValue('0.004'); // the link's setting is in the field

  // Tab (from the Model group's summary, through its fields) onto this group's summary; Enter folds it, Enter again opens it.
  const summary = group.locator('summary');
  await page.getByTestId('settings-group-model').locator('summary').focus();
  for (let i = 0; i < 10 && !(await summary.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(summary).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(rate).toBeHidden();
  expect(await group.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
  expect(await summary.evaluate((el) => getComputedStyle(el).outlineColor + ' ' + getComputedStyle(el).outlineWidth)).toBe('rgb(180, 83, 9) 3px');
  await page.keyboard.press('Enter');
  await expect(rate).toBeVisible();
  // The tooltip stays: the field's help is its title.
  await expect(rate.locator('xpath=ancestor::div[contains(@class, "field")]')).toHaveAttribute('title', /^Step size\./);

  // The quick check is in the Engine panel, folded: its Train button shows once it is opened.
  const quick = page.getByRole('region', { name: 'Engine' }).getByTestId('quick-check');
  const train = quick.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeHidden();
  await quick.locator('summary').click();
  await expect(train).toBeVisible();
});
