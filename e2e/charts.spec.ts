import { type Locator, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { expectRunDone } from './run-done';

// The step charts as a reader uses them: smoothing over the faint raw line, keyboard zoom, the read-out.
// The tiny preset on the bundled sample; the loss chart's own SVG (SvgChart.tsx) is what is checked.
const SETTINGS = '/?backend=wasm&model=tiny&size=32x48&batch=8&epochs=2&lr=0.003';
// The plot's padding inside the SVG (SvgChart's PAD): hovering at a step needs its pixel.
const PAD_LEFT = 52;
const PAD_RIGHT = 12;

const stepOf = async (page: Page) => Number((await page.getByTestId('num-tensors').getAttribute('data-step')) ?? 0);
const xDomain = async (surface: Locator) => [Number(await surface.getAttribute('data-x-from')), Number(await surface.getAttribute('data-x-to'))];
/** The first point of an SVG path ("M12.3,45.6..."). */
const firstPoint = (d: string | null) =>
  d
    ?.match(/^M([\d.]+),([\d.]+)/)
    ?.slice(1)
    .map(Number);

test('step loss: smoothing over the faint raw line, keyboard zoom and back, a read-out with step, values and the live change', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await page.goto(SETTINGS);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  // A live change mid-run, for the read-out to report.
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.getByLabel(/Learning rate/).fill('0.002');
  await page.getByLabel(/Learning rate/).press('Enter');
  await expect(page.getByTestId('change-marker')).toHaveCount(1, { timeout: 30_000 });
  await expectRunDone(page, 180_000);
  const lastStep = await stepOf(page);
  const changeStep = Number((await page.getByTestId('change-marker').innerText()).match(/^step (\d+):/)![1]);

  const chart = page.getByTestId('chart-step-loss');
  const surface = chart.locator('.chart-surface');
  const smoothedLine = chart.locator('.chart-line');
  const rawLine = chart.locator('.chart-raw');
  const slider = page.getByLabel('Smoothing');
  // The charts redraw on their own clock: wait until the loss chart shows the last step.
  await expect.poll(() => xDomain(surface)).toEqual([1, lastStep]);

  // Smoothing is on by default (TensorBoard's 0.6): the smoothed line over the raw one drawn faint.
  await expect(slider).toHaveValue('0.6');
  await expect(chart.locator('.chart-smoothing output')).toHaveText('0.60');
  await expect(rawLine).toHaveAttribute('d', /^M.+L/);
  expect(Number(await rawLine.getAttribute('stroke-opacity'))).toBeLessThan(0.5);
  await expect(smoothedLine).toHaveAttribute('d', /^M.+L/);
  const raw = await rawLine.getAttribute('d');
  const smoothedAt60 = await smoothedLine.getAttribute('d');
  expect(smoothedAt60).not.toBe(raw);
  // Debiased: the smoothed line starts on the first raw value, not pulled towards 0.
  expect(firstPoint(smoothedAt60)).toEqual(firstPoint(raw));

  // More smoothing draws another smoothed line; the raw line stays as it was.
  await slider.fill('0.95');
  await expect(chart.locator('.chart-smoothing output')).toHaveText('0.95');
  await expect(smoothedLine).not.toHaveAttribute('d', smoothedAt60!);
  await expect(rawLine).toHaveAttribute('d', raw!);
  await page.screenshot({ path: testInfo.outputPath('step-loss-smoothed.png'), clip: (await chart.boundingBox())! });
  // None: one line, the raw one, at full strength.
  await slider.fill('0');
  await expect(rawLine).toHaveCount(0);
  await expect(smoothedLine).toHaveAttribute('d', raw!);
  await slider.fill('0.6');
  await expect(smoothedLine).toHaveAttribute('d', smoothedAt60!);

  // Keyboard zoom: Tab from the slider reaches the chart, which shows a focus ring.
  await page.mouse.move(0, 0);
  await slider.focus();
  await page.keyboard.press('Tab');
  await expect(surface).toBeFocused();
  expect(await surface.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await expect(surface).toHaveAttribute('aria-label', /Plus and minus zoom/);
  await page.keyboard.press('+');
  // Half the steps around the centre (rounded to whole steps).
  const centre = (1 + lastStep) / 2;
  const half = (lastStep - 1) / 4;
  await expect.poll(() => xDomain(surface)).toEqual([Math.round(centre - half), Math.round(centre + half)]);
  const [from, to] = await xDomain(surface);
  await expect(page.getByTestId('zoom-reset')).toHaveText(`Steps ${from}–${to}: show all`);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await xDomain(surface))[0]).toBeGreaterThan(from);
  await page.keyboard.press('Escape');
  await expect.poll(() => xDomain(surface)).toEqual([1, lastStep]);
  await expect(page.getByTestId('zoom-reset')).toHaveCount(0);

  // The read-out: at the last step, the step, the raw and smoothed loss and the change in force there.
  const box = (await surface.boundingBox())!;
  const tooltip = chart.locator('.chart-tooltip');
  await surface.hover({ position: { x: box.width - PAD_RIGHT - 1, y: box.height / 2 } });
  await expect(tooltip.locator('div').first()).toHaveText(`step ${lastStep}`);
  await expect(tooltip).toContainText(/loss\s*:\s*\d+\.\d{4}/);
  await expect(tooltip).toContainText(/smoothed\s*:\s*\d+\.\d{4}/);
  await expect(tooltip.locator('.chart-note')).toHaveText(`change step ${changeStep}: learningRate 0.00300 → 0.00200`);
  // At step 1, before any change: no change line.
  await surface.hover({ position: { x: PAD_LEFT + 1, y: box.height / 2 } });
  await expect(tooltip.locator('div').first()).toHaveText('step 1');
  await expect(tooltip.locator('.chart-note')).toHaveCount(0);
  expect(changeStep).toBeGreaterThan(1);
});
