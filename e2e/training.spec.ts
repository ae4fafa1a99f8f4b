import { readFileSync } from 'node:fs';
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { exportFromMenu } from './studio-helpers';
import { expectRunDone } from './run-done';

// The tiny preset on the bundled sample at 32x48, on the cpu backend (the same on every machine).
const SETTINGS = 'model=tiny&size=32x48&batch=8&epochs=4&lr=0.003';

// The inference panel's button for the first test images (its wording changed with the test picker).
const TEST_IMAGES_BUTTON = /Use \d test images|Predict \d chosen test images/;

async function openWithSample(page: Page, query = SETTINGS) {
  await page.goto(`/?backend=wasm&${query}`);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
}

async function stepOf(page: Page): Promise<number> {
  return Number((await page.getByTestId('num-tensors').getAttribute('data-step')) ?? 0);
}

/** The history the page shows (epoch numbers, val Dice as full-precision numbers) and its last checkpoint, read at one instant. */
async function shownHistory(page: Page) {
  return page.evaluate(() => {
    const status = document.querySelector('[data-testid="train-status"]');
    const checkpoint = document.querySelector('[data-testid="checkpoint"]');
    const list = (name: string) => (status?.getAttribute(name) || '').split(',').filter(Boolean).map(Number);
    return {
      epochs: list('data-epochs'),
      dice: list('data-val-dice'),
      checkpoint: checkpoint && {
        kind: checkpoint.getAttribute('data-kind'),
        epoch: Number(checkpoint.getAttribute('data-epoch')),
        saved: checkpoint.getAttribute('data-saved') === 'true',
      },
    };
  });
}

test('start, pause, change the learning rate, resume, stop: the new rate is the one the optimizer uses', async ({ page }) => {
  await openWithSample(page);
  // Notes the first moment the status gives a time left, and how many epochs had ended by then.
  await page.evaluate(() => {
    const status = document.querySelector('[data-testid="train-status"]')!;
    const observer = new MutationObserver(() => {
      if (!status.hasAttribute('data-eta-seconds')) return;
      (window as unknown as { firstEta: unknown }).firstEta = {
        epochs: status.getAttribute('data-epochs'),
        eta: Number(status.getAttribute('data-eta-seconds')),
      };
      observer.disconnect();
    });
    observer.observe(status, { attributes: true });
  });
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  // Speed and time left, measured from the steps as they arrive: the time left shows before the first epoch ends.
  await expect.poll(() => page.evaluate(() => (window as unknown as { firstEta?: { epochs: string; eta: number } }).firstEta)).toBeDefined();
  const firstEta = await page.evaluate(() => (window as unknown as { firstEta: { epochs: string; eta: number } }).firstEta);
  expect(firstEta.epochs).toBe('');
  expect(firstEta.eta).toBeGreaterThan(0);
  await expect(page.getByTestId('train-status')).toContainText(/\d img\/s, about \d+ (s|min) left/);
  expect(Number(await page.getByTestId('train-status').getAttribute('data-images-per-second'))).toBeGreaterThan(0);

  await page.getByTestId('run-panel').getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'paused');
  const pausedAt = await stepOf(page);
  await page.waitForTimeout(1500);
  expect(await stepOf(page)).toBe(pausedAt); // nothing trains while paused

  await page.getByLabel(/Learning rate/).fill('0.0007');
  await page.getByLabel(/Learning rate/).press('Enter');
  await expect(page).toHaveURL(/lr=0\.0007/);
  await page.getByTestId('run-panel').getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt + 1);
  // The status reads the rate back from the optimizer; the change is recorded at the next step.
  await expect(page.getByTestId('train-status')).toContainText('lr 0.000700');
  await expect(page.getByTestId('change-marker').first()).toHaveText(`step ${pausedAt + 1}: learningRate 0.00300 → 0.000700`);
  await expect(page.getByLabel('Model', { exact: true })).toBeDisabled(); // locked while live

  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'stopped', { timeout: 60_000 });
  await expect(page.getByTestId('train-status')).toContainText('everything trained so far is kept');
  await expect(page.getByLabel('Model', { exact: true })).toBeEnabled();
});

test('a run trains to the end with curves, overlays and test metrics; export then import predicts identically', async ({ page }) => {
  // Four epochs: enough learning that the fine-tuning check below stands clear of batch noise.
  await openWithSample(page, 'model=tiny&size=32x48&batch=8&epochs=4&lr=0.005');
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await expectRunDone(page, 120_000);
  await expect(page.getByTestId('train-status')).toContainText('epoch 4 / 4');
  const trainedValDice = (await page.getByTestId('train-status').getAttribute('data-val-dice'))!.split(',');
  expect(trainedValDice).toHaveLength(4);
  await expect(page.getByTestId('chart-step-loss').locator('.chart-line')).toHaveCount(1);
  await expect(page.getByTestId('test-results')).toBeVisible();

  const zipPath = await (await exportFromMenu(page, 'Current model', 'tfjs zip (with model.onnx)')).path();
  const zip = readFileSync(zipPath);
  expect(zip.length).toBeGreaterThan(100_000); // tiny's 73k parameters as float32 alone are 290 kB

  await page.getByTestId('import-input').setInputFiles({ name: 'model.zip', mimeType: 'application/zip', buffer: zip });
  await expect(page.getByTestId('imported')).toContainText('Imported a model for 32x48 images (72,813 parameters)');
  // Its run.json comes back as a run in the list, with its history (resumable when epochs are left).
  await expect(page.getByTestId('imported')).toContainText('Its run, 4 of 4 epochs, is in the runs list: continue it to train more epochs.');
  await expect(page.getByTestId('run-row').filter({ hasText: '(imported)' })).toContainText('4 / 4');

  await page.getByRole('button', { name: TEST_IMAGES_BUTTON }).click();
  await expect(page.getByTestId('inference-result')).toHaveCount(4);
  const fromRun = await page.getByTestId('inference-result').evaluateAll((els) => els.map((e) => e.getAttribute('data-checksum')));
  await page.getByLabel('imported model', { exact: true }).check();
  await page.getByRole('button', { name: TEST_IMAGES_BUTTON }).click();
  await expect.poll(async () => page.getByTestId('inference-result').first().getAttribute('data-checksum')).not.toBeNull();
  await expect(page.getByTestId('inference-panel').getByRole('status')).toHaveCount(0);
  const fromImport = await page.getByTestId('inference-result').evaluateAll((els) => els.map((e) => e.getAttribute('data-checksum')));
  expect(fromImport).toEqual(fromRun);

  // Fine-tuning starts from the imported weights: its first loss is far below a fresh model's.
  const freshFirstLoss = Number(await page.getByTestId('train-status').getAttribute('data-first-loss'));
  await page.getByLabel('start from the imported model').check();
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-first-loss', /\d/, { timeout: 60_000 });
  const fineTunedFirstLoss = Number(await page.getByTestId('train-status').getAttribute('data-first-loss'));
  console.log(`first step loss: fresh ${freshFirstLoss.toFixed(4)}, fine-tuned ${fineTunedFirstLoss.toFixed(4)}`);
  expect(fineTunedFirstLoss).toBeLessThan(freshFirstLoss * 0.8);
  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'stopped', { timeout: 60_000 });

  // The imported run finished its 4 epochs: "Continue" trains more on top of its history.
  await page.getByTestId('more-epochs').fill('1');
  const importedRow = page.getByTestId('run-row').filter({ hasText: '(imported)' });
  await importedRow.getByRole('button', { name: 'Continue +1' }).click();
  await expectRunDone(page, 120_000);
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-epochs', '1,2,3,4,5');
  const continuedValDice = (await page.getByTestId('train-status').getAttribute('data-val-dice'))!.split(',');
  expect(continuedValDice.slice(0, 4)).toEqual(trainedValDice);
  await expect(importedRow).toContainText('5 / 5');
});

test('a forced NaN (a huge learning rate) pauses the run with the message and keeps the last good checkpoint', async ({ page }) => {
  await openWithSample(page, 'model=tiny&size=32x48&batch=8&epochs=5&lr=0.003');
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('epoch 1 / 5', { timeout: 60_000 });
  await page.getByLabel(/Learning rate/).fill('1e30'); // Adam's steps are ~lr: the weights overflow float32
  await page.getByLabel(/Learning rate/).press('Enter');
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'paused', { timeout: 60_000 });
  await expect(page.getByTestId('train-status')).toContainText(/The loss became (NaN|Infinity).*last good checkpoint \(epoch [1-5]\).*Lower the learning rate/);
  await page.getByLabel(/Learning rate/).fill('0.01');
  await page.getByLabel(/Learning rate/).press('Enter');
  await page.getByTestId('run-panel').getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', /training|evaluating|done/, { timeout: 60_000 });
  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
});

test('the run in progress is listed in the runs table once its first checkpoint is saved', async ({ page }) => {
  await openWithSample(page, 'model=tiny&size=32x48&batch=8&epochs=50&lr=0.003');
  await expect(page.getByTestId('runs-panel')).toContainText('No saved runs yet');
  const run = page.getByTestId('run-panel');
  await run.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(async () => (await shownHistory(page)).checkpoint?.saved === true, { timeout: 90_000 }).toBe(true);
  await run.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'paused', { timeout: 60_000 });
  const { checkpoint } = await shownHistory(page);
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('run-state')).toHaveText('paused');
  // The row holds what was saved: the epochs up to the last checkpoint, or one more saved as the pause came.
  await expect(row.getByTestId('run-epochs')).toHaveText(new RegExp(`^(${checkpoint!.epoch}|${checkpoint!.epoch + 1}) / 50$`));
  // Its own buttons wait for the run to stop: the run panel's Resume is the one that continues it.
  await expect(row.getByRole('button', { name: 'Resume' })).toBeDisabled();
  await expect(row.getByRole('button', { name: /delete/ })).toBeDisabled();
  await run.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'stopped', { timeout: 60_000 });
  await expect(row.getByTestId('run-state')).toHaveText('stopped');
  await expect(row.getByRole('button', { name: 'Resume' })).toBeEnabled();
});

test('reload the page mid-run and resume from IndexedDB with the history intact', async ({ page }) => {
  await openWithSample(page, 'model=tiny&size=32x48&batch=8&epochs=6&lr=0.003');
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  // Reload once two or more epochs show and the latest checkpoint (saved with the record) covers them all.
  let before = await shownHistory(page);
  await expect
    .poll(
      async () => {
        before = await shownHistory(page);
        const { checkpoint, epochs } = before;
        return epochs.length >= 2 && checkpoint?.kind === 'latest' && checkpoint.epoch === epochs.length && checkpoint.saved;
      },
      { timeout: 90_000, intervals: [100] },
    )
    .toBe(true);
  expect(before.dice.every((d) => d >= 0 && d <= 1)).toBe(true);
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  const row = page.getByTestId('run-row').first();
  const epochsCell = row.locator('td').filter({ hasText: /^\s*\d+ \/ 6\s*$/ });
  // An epoch may end between the reading and the reload: the record then holds one more.
  const epochsSaved = Number((await epochsCell.innerText()).split('/')[0]);
  expect(epochsSaved).toBeGreaterThanOrEqual(before.epochs.length);
  await row.getByRole('button', { name: 'Resume' }).click();
  // The data comes back from browser storage with the run; the history is the saved one, value for value.
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 30_000 });
  await expect(page.getByTestId('train-status')).toContainText(`epoch ${epochsSaved} / 6`, { timeout: 30_000 });
  const resumed = await shownHistory(page);
  expect(resumed.dice.slice(0, before.dice.length)).toEqual(before.dice);
  expect(resumed.epochs.slice(0, epochsSaved)).toEqual(Array.from({ length: epochsSaved }, (_, i) => i + 1));
  // Training goes on from that epoch: the next record is epoch epochsSaved + 1, after the saved ones.
  await expect.poll(async () => (await shownHistory(page)).epochs.length, { timeout: 90_000 }).toBeGreaterThan(epochsSaved);
  const after = await shownHistory(page);
  expect(after.epochs.slice(0, epochsSaved + 1)).toEqual(Array.from({ length: epochsSaved + 1 }, (_, i) => i + 1));
  expect(after.dice.slice(0, before.dice.length)).toEqual(before.dice);
  await expect(page.getByTestId('chart-metrics').locator('.chart-line').first()).toBeVisible();
  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'stopped', { timeout: 60_000 });
});

test('tf.memory().numTensors stays flat over 200 training steps in the worker', async ({ page }) => {
  test.setTimeout(400_000);
  await openWithSample(page, 'model=tiny&size=32x48&batch=2&epochs=5&lr=0.003');
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  const samples: Array<{ step: number; count: number }> = [];
  await expect
    .poll(
      async () => {
        const el = page.getByTestId('num-tensors');
        const [step, count] = [Number(await el.getAttribute('data-step')), Number(await el.getAttribute('data-count'))];
        if (step >= 10 && samples[samples.length - 1]?.step !== step) samples.push({ step, count });
        return step;
      },
      { timeout: 360_000, intervals: [250] },
    )
    .toBeGreaterThanOrEqual(200);
  console.log(
    `numTensors at step ${samples[0].step}: ${samples[0].count}; at step ${samples[samples.length - 1].step}: ${samples[samples.length - 1].count} (${samples.length} samples)`,
  );
  // Sampled every 250 ms as the page shows them: enough readings, spread over the whole run.
  expect(samples.length).toBeGreaterThanOrEqual(10);
  expect(samples[0].step).toBeLessThanOrEqual(50);
  expect(new Set(samples.map((s) => s.count))).toEqual(new Set([samples[0].count]));
  await page.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
});
