/**
 * "Best model in N minutes" on the bundled sample (wasm): it times the candidates, says what it chose
 * and why, writes the choice into the settings (and the URL), decodes the data again at the chosen
 * size, trains with the N-minute limit and a countdown, and ends done by the limit.
 */
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { CANDIDATES } from '../src/ml/train/recipe';
import { expectRunDone } from './run-done';

const MINUTES = 1;

/** The time left the page shows, read at one instant: the run panel's ETA and the guided countdown (seconds). */
async function timeLeft(page: Page): Promise<{ eta: number | null; countdown: number | null }> {
  return page.evaluate(() => {
    const read = (selector: string, attribute: string) => {
      const value = document.querySelector(selector)?.getAttribute(attribute);
      return value == null ? null : Number(value);
    };
    return { eta: read('[data-testid="train-status"]', 'data-eta-seconds'), countdown: read('[data-testid="guided-countdown"]', 'data-seconds-left') };
  });
}

/** The run as the worker saved it in IndexedDB (the studio's own store, read with the browser's API). */
async function savedRun(
  page: Page,
): Promise<{ name: string; status: string; config: { recipe?: string; timeLimitMinutes?: number; schedule: { totalSteps?: number } } }> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('carvana-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () => resolve(all.result[0]);
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

test('best model in 1 minute: times, chooses and says why, trains with the limit counting down, ends done', async ({ page }) => {
  test.setTimeout(170_000);
  // Loaded at 32x48, which no candidate has: whatever it chooses, the data is decoded again at the chosen size before the run.
  await page.goto('/?backend=wasm&size=32x48');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });

  const guided = page.getByTestId('guided-run');
  await expect(guided.getByLabel('Minutes')).toHaveValue('5');
  await guided.getByLabel('Minutes').fill(String(MINUTES));
  await guided.getByRole('button', { name: 'Best model in 1 minute' }).click();
  await expect(page.getByTestId('guided-status')).toHaveAttribute('data-phase', 'timing');
  await expect(page.getByTestId('guided-status')).toContainText(/Timing (tiny|transunet)( width \d+)? at \d+x\d+, batch 4 on wasm/);

  // The choice and why: one line per candidate (timed, or why not), the backend, then the decision.
  const choice = page.getByTestId('guided-choice');
  await expect(choice).toContainText(/^Chose (tiny|transunet)( width \d+)? at \d+x\d+, batch 4: /, { timeout: 90_000 });
  const why = page.getByTestId('guided-why').getByRole('listitem');
  await expect(why).toHaveCount(CANDIDATES.length + 1);
  await expect(why.first()).toHaveText('backend: wasm (the backend setting; not timed)');
  for (const line of await why.allTextContents())
    if (!line.startsWith('backend:'))
      expect(line).toMatch(/^(tiny|transunet)( width \d+)? at \d+x\d+, batch 4: (\d+ ms a step, .* epochs in 0.9 min|not timed \(.+\))$/);
  const decision = (await choice.textContent())!;
  const [, preset, width, size] = /^Chose (\S+)(?: width (\d+))? at (\d+x\d+), batch 4/.exec(decision)!;
  const [, totalSteps, , , epochs] = /(\d+) steps? \(([\d.]+) epochs? of (\d+) steps?; up to (\d+) epochs?/.exec(decision)!.map(Number);
  await expect(choice).toHaveAttribute('data-preset', preset);

  // The settings (and the address bar) now hold the choice, so the link reproduces the run.
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', /compiling|training|evaluating/, { timeout: 60_000 });
  const runStarted = Date.now();
  const query = new URL(page.url()).searchParams;
  expect(query.get('sched')).toBe('warmup-cosine');
  expect(query.get('epochs')).toBe(String(epochs));
  // Defaults are left out of the URL: tiny at 64x96 with batch 4 and lr 0.003 is the studio's default.
  expect(query.get('model') ?? 'tiny').toBe(preset);
  expect(query.get('size') ?? '64x96').toBe(size);
  expect(query.get('batch') ?? '4').toBe('4');
  expect(query.get('base') ?? '0').toBe(width ?? '0');
  await expect(page.getByLabel('LR schedule')).toHaveValue('warmup-cosine');
  await expect(page.getByTestId('run-panel')).toContainText(`${preset}${width ? ` width ${width}` : ''} at ${size}`);
  await expect(page.getByTestId('train-status')).toContainText(`epoch 0 / ${epochs}`);

  // The time left is at most the minute and counts down.
  await expect.poll(async () => (await timeLeft(page)).countdown, { timeout: 30_000 }).not.toBeNull();
  await expect.poll(async () => (await timeLeft(page)).eta, { timeout: 30_000 }).not.toBeNull();
  const first = await timeLeft(page);
  expect(first.countdown!).toBeLessThanOrEqual(MINUTES * 60);
  expect(first.eta!).toBeLessThanOrEqual(MINUTES * 60);
  await expect.poll(async () => (await timeLeft(page)).countdown!, { timeout: 10_000 }).toBeLessThan(first.countdown! - 1.5);
  await expect.poll(async () => (await timeLeft(page)).eta ?? Infinity, { timeout: 20_000 }).toBeLessThan(first.eta!);
  await expect(page.getByTestId('guided-countdown')).toContainText(/^Time limit 1 min: 0:\d\d left$/);

  // It ends done by the limit (its schedule spans the steps that fit the minute; the limit, not the epochs, ends it).
  await expectRunDone(page, 100_000);
  const trainedSeconds = (Date.now() - runStarted) / 1000;
  // A minute of training, plus the last evaluation and the test pass (a few seconds on the sample).
  expect(trainedSeconds).toBeLessThanOrEqual(MINUTES * 60 + 20);
  await expect(page.getByTestId('guided-countdown')).toHaveCount(0);
  // Done by the limit before its epoch cap: the line says so and the bar is full, not left part-way.
  const epochsDone = (await page.getByTestId('train-status').getAttribute('data-epochs'))!.split(',').length;
  const bar = page.getByTestId('run-panel').getByRole('progressbar', { name: 'Epochs done' });
  await expect(bar).toHaveJSProperty('value', epochsDone);
  if (epochsDone < epochs) {
    await expect(page.getByTestId('train-status')).toContainText(`epoch ${epochsDone} / ${epochs} (its 1 min time limit ended it)`);
    await expect(bar).toHaveJSProperty('max', epochsDone);
  } else await expect(page.getByTestId('train-status')).not.toContainText('time limit ended it');
  const run = await savedRun(page);
  expect(run.status).toBe('done');
  expect(run.name).toBe('best in 1 min');
  expect(run.config.timeLimitMinutes).toBe(MINUTES);
  const recipe = run.config.recipe!.split('\n');
  expect([recipe[0], recipe.at(-1)]).toEqual(['backend: wasm (the backend setting; not timed)', decision]);
  expect(totalSteps).toBeGreaterThan(0);
  expect(run.config.schedule.totalSteps).toBe(totalSteps); // the cosine spans the planned steps, not whole epochs
});
