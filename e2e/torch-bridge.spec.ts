/**
 * The PyTorch bridge, end to end: the tiny preset trained on the sample for one epoch in the
 * production build, exported from the Export menu as the PyTorch job, continued for one epoch on two
 * gloo processes with Debian's torchrun, and the RUN imported back: the runs list holds the run with
 * its studio and cluster epochs in order, the charts mark the cluster, and the studio's test Dice of
 * the imported model is the one `train.py --eval` gives on the same weights and split.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { unzipSync } from 'fflate';
import { expectNoHorizontalOverflow, exportFromMenu } from './studio-helpers';
import { expectRunDone } from './run-done';

const [H, W] = [32, 48];
const SETTINGS = `model=tiny&size=${H}x${W}&batch=8&epochs=1&lr=0.005`;
const PYTHON = '/usr/bin/python3';
const TORCHRUN = '/usr/bin/torchrun';
const SAMPLE = path.resolve('public/sample');
const SHOTS = path.resolve('test-results');
/**
 * The studio's test Dice (tfjs on wasm, the browser's createImageBitmap resize) against train.py --eval
 * (PyTorch, studio_torch/data.py's resize) on the same weights and test cars. The weights agree exactly:
 * tfjs on train.py's own pixels gives train.py's Dice to 1e-15, so what the tolerance covers is the pixels.
 * Chromium's 'high' resize is a Catmull-Rom (a = -0.5) sample at each output pixel's centre with no area
 * averaging; data.py resizes the same way (resize_cubic, pinned by src/torch/tests/test_resize.py against
 * Chromium's pixels) and agrees within 1 grey level (on the sample at 48x32: at most 1, 0.005 on average;
 * PIL's BOX, used before, was 2.4-4.2 off on average and up to 116, which moved this Dice by up to 0.0104;
 * with resize_cubic three runs gave the same Dice to 5 decimals).
 */
const DICE_TOLERANCE = 0.002;

const hasTorch = existsSync(TORCHRUN) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '1' } });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output}`);
  return output;
}

/** A free TCP port for torchrun's rendezvous (29500, its default, may be taken by another run on the machine). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A safetensors file's __metadata__ (its JSON header follows an 8-byte little-endian length). */
function safetensorsMetadata(file: string): Record<string, string> {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  return (JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {};
}

/** Cuts the first test images out with `model` (a radio of the inference panel): their checksums, in order. */
async function cutOutTestImages(page: Page, model: 'this run' | 'imported model'): Promise<string[]> {
  const panel = page.getByTestId('inference-panel');
  const answered = Number(await panel.getAttribute('data-answered'));
  await panel.getByLabel(model, { exact: true }).check();
  await panel.getByTestId('predict-test').click();
  await expect(panel).toHaveAttribute('data-answered', String(answered + 1), { timeout: 60_000 });
  await expect(panel).toHaveAttribute('data-model', model === 'this run' ? 'run' : 'imported');
  const results = panel.getByTestId('inference-result');
  await expect(results.first()).toHaveAttribute('data-checksum', /./);
  return results.evaluateAll((els) => els.map((e) => e.getAttribute('data-checksum') ?? ''));
}

test.beforeAll(() => {
  mkdirSync(SHOTS, { recursive: true });
});

test('a run goes to PyTorch DDP as a job and comes back with its history; its test Dice is what train.py --eval gives', async ({ page }) => {
  test.skip(!hasTorch, `needs Debian's python3-torch (${PYTHON} with torch, ${TORCHRUN}): .ci/run installs it`);
  test.setTimeout(600_000);
  const work = mkdtempSync(path.join(tmpdir(), 'torch-bridge-'));
  try {
    await page.goto(`/?backend=wasm&${SETTINGS}`);
    await expect(page.getByTestId('backend-name')).toHaveText('wasm');
    await page.getByRole('button', { name: 'Use sample dataset' }).click();
    await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
    await page.getByLabel('Run name').fill('bridge');
    const panel = page.getByTestId('run-panel');
    await panel.getByRole('button', { name: 'Start training' }).click();
    await expectRunDone(page, 180_000);
    const studioDice = Number((await page.getByTestId('train-status').getAttribute('data-val-dice'))!.split(',')[0]);
    const studioCutouts = await cutOutTestImages(page, 'this run');

    // The Export menu, as people see it, with the PyTorch job offered for both checkpoints.
    await panel.getByRole('button', { name: 'Export', exact: true }).click();
    const menu = page.getByTestId('export-menu');
    await expect(menu.getByRole('group', { name: 'Current model' }).getByRole('button', { name: 'PyTorch job (.zip)' })).toBeEnabled();
    await menu.scrollIntoViewIfNeeded();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: path.join(SHOTS, 'torch-bridge-export-menu-1280x800.png') });
    const download = await exportFromMenu(page, 'Current model', 'PyTorch job (.zip)');
    expect(download.suggestedFilename()).toBe('bridge-pytorch-job.zip');

    // Unzip it as JOBDIR: the package as the repository has it, the weights, studio.json, the README.
    const job = path.join(work, 'job');
    for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync(await download.path()))))) {
      mkdirSync(path.dirname(path.join(job, name)), { recursive: true });
      writeFileSync(path.join(job, name), bytes);
    }
    expect(readFileSync(path.join(job, 'train.py'), 'utf8')).toBe(readFileSync('src/torch/train.py', 'utf8'));
    expect(readFileSync(path.join(job, 'studio_torch/models.py'), 'utf8')).toBe(readFileSync('src/torch/studio_torch/models.py', 'utf8'));
    const sent = JSON.parse(readFileSync(path.join(job, 'studio.json'), 'utf8')) as {
      history: Array<{ origin: string; step: number }>;
      split: { test: { groups: string[] } };
    };
    expect(sent.history.map((e) => e.origin)).toEqual(['studio']);
    expect(readFileSync(path.join(job, 'README.md'), 'utf8')).toContain('--redirects 1 --tee 1');
    // Adam's moments go with the weights, at the studio's step count.
    const studioSteps = sent.history[0]!.step;
    expect(safetensorsMetadata(path.join(job, 'optimizer.safetensors'))).toEqual({ format: 'pt', optimizer: 'adam', step: String(studioSteps) });

    // One more epoch on two gloo processes: a real DDP run (Debian's torchrun needs --redirects 1 --tee 1).
    const out = path.join(work, 'RUN');
    const started = Date.now();
    const rendezvous = ['--master_addr', '127.0.0.1', '--master_port', String(await freePort())];
    const log = run(
      TORCHRUN,
      ['--nproc_per_node', '2', ...rendezvous, '--redirects', '1', '--tee', '1', path.join(job, 'train.py'), '--data', SAMPLE, '--epochs', '1', '--out', out],
      work,
    );
    const torchSeconds = (Date.now() - started) / 1000;
    for (const file of ['model.safetensors', 'studio.json', 'history.csv']) expect(existsSync(path.join(out, file)), `${file} in RUN\n${log}`).toBe(true);
    const back = JSON.parse(readFileSync(path.join(out, 'studio.json'), 'utf8')) as {
      history: Array<{ epoch: number; origin: string; dice: number; step: number }>;
    };
    expect(back.history.map((e) => `${e.epoch}:${e.origin}`)).toEqual(['1:studio', '2:torch']);
    // The cluster continued the moments and counts its steps on from the studio's.
    expect(safetensorsMetadata(path.join(out, 'optimizer.safetensors'))).toEqual({ format: 'pt', optimizer: 'adam', step: String(back.history[1]!.step) });
    expect(back.history[0]!.dice).toBeCloseTo(studioDice, 10);

    // train.py --eval on the RUN's weights: the test split of the run's own cars.
    const evalLine = run(PYTHON, [path.join(job, 'train.py'), '--eval', SAMPLE, '--weights', path.join(out, 'model.safetensors')], work)
      .trim()
      .split('\n')
      .at(-1)!;
    const evaluated = JSON.parse(evalLine) as { split: string; pairs: number; dice: number };
    expect(evaluated.split).toBe('test');

    // Back home: Import takes the RUN's loose files.
    await page.getByTestId('import-input').setInputFiles(['model.safetensors', 'studio.json', 'history.csv'].map((f) => path.join(out, f)));
    await expect(page.getByTestId('imported')).toContainText('Imported a PyTorch run: tiny for 32x48 images', { timeout: 60_000 });
    await expect(page.getByTestId('imported')).toContainText('"bridge (PyTorch)" is in the runs list with its 2 epochs (epochs 2-2 on PyTorch)');
    const row = page.getByTestId('run-row').filter({ hasText: 'bridge (PyTorch)' });
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('run-epochs')).toHaveAttribute('data-origins', 'studio,torch');
    await expect(row.getByTestId('run-epochs')).toContainText('2 / 2 (1 on PyTorch)');
    await expect(page.getByTestId('run-row').filter({ has: page.getByRole('cell', { name: 'bridge', exact: true }) })).toHaveCount(1); // the studio's own run stays

    // It opened: the charts hold both epochs with the cluster marked, and its test split was scored.
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-epochs', '1,2', { timeout: 60_000 });
    await expectRunDone(page, 60_000);
    const mean = page.getByTestId('test-mean');
    await expect(mean).toHaveAttribute('data-dice', /\d/, { timeout: 60_000 });
    const pageDice = Number(await mean.getAttribute('data-dice'));
    const testRows = await page.getByTestId('test-row').count();
    expect(testRows).toBe(evaluated.pairs);
    for (const chart of ['chart-epoch-loss', 'chart-metrics']) {
      await expect(page.getByTestId(chart).locator('.chart-marker', { hasText: 'cluster' })).toHaveCount(1);
      await expect(page.getByTestId(chart).locator('.chart-marker title')).toHaveText(/epoch 2 trained on PyTorch/);
    }
    // A RUN brings epochs, not a step series: the step charts say so instead of waiting for steps.
    await expect(page.getByTestId('chart-step-loss').locator('.chart-empty')).toHaveText('no steps recorded here: this run was trained elsewhere');
    // Its model drives the overlays (drawn at the epoch it came back with) and the cut-outs: the opened
    // run and the imported model cut the same masks, and not the ones of the studio's epoch-1 weights.
    await expect(page.getByTestId('epoch-label')).toHaveText(/^Epoch 2 of 2/, { timeout: 60_000 });
    await expect(page.getByTestId('overlay-card')).not.toHaveCount(0);
    const clusterCutouts = await cutOutTestImages(page, 'this run');
    expect(await cutOutTestImages(page, 'imported model')).toEqual(clusterCutouts);
    expect(clusterCutouts).not.toEqual(studioCutouts);
    await page.getByTestId('overlay-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'torch-bridge-imported-overlays-1280x800.png') });
    const charts = page.getByTestId('chart-metrics');
    await charts.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1200); // the charts redraw once a second
    await page.screenshot({ path: path.join(SHOTS, 'torch-bridge-imported-charts-1280x800.png') });

    const diceGap = Math.abs(pageDice - evaluated.dice);
    console.log(
      `torch bridge: studio val Dice after epoch 1 ${studioDice.toFixed(4)}, cluster epoch 2 val Dice ${back.history[1]!.dice.toFixed(4)} ` +
        `(torchrun 2 procs: ${torchSeconds.toFixed(1)} s); test Dice of the imported model: studio ${pageDice.toFixed(5)}, ` +
        `train.py --eval ${evaluated.dice.toFixed(5)} on ${evaluated.pairs} pairs (|difference| ${diceGap.toFixed(5)})`,
    );
    expect(diceGap, 'studio test Dice against train.py --eval').toBeLessThanOrEqual(DICE_TOLERANCE);

    // npm run export takes the RUN too.
    const onnx = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/export.ts', '--model', out, '--format', 'onnx'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(onnx.status, `${onnx.stdout}${onnx.stderr}`).toBe(0);
    expect(readFileSync(path.join(out, 'model.onnx')).length).toBeGreaterThan(290_000);

    // And npm run predict: the RUN converted in Node, scored by the headless studio on every pair of the sample.
    const reportFile = path.join(work, 'predict.json');
    const predicted = spawnSync(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/cli/predict.ts', '--model', out, '--data', SAMPLE, '--report', reportFile],
      {
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(predicted.status, `${predicted.stdout}${predicted.stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pairs: number; size: number[]; dice: number };
    expect(report.pairs).toBe(128);
    expect(report.size).toEqual([H, W]);
    expect(report.dice).toBeGreaterThan(0.5);
    console.log(`npm run predict --model RUN: ${report.pairs} pairs, dice ${report.dice.toFixed(4)}`);
  } finally {
    if (process.env.TORCH_BRIDGE_KEEP) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
});
