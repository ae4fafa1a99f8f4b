/**
 * The headless tools as a user runs them: `npm run sample`, `npm run train` and `npm run predict`
 * in child processes, each starting its own server and Chromium. The page fixture is only used to
 * decode the PNGs and GIFs they write, with the browser's own decoders, to check the figures.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';
import { adapterInBrowser, alphaAgainstMask, expectPredictFields, expectReportFields, METRICS, scoresInBrowser, type Scores } from './harness/cli-checks';

const ROOT = path.resolve(import.meta.dirname, '..');
// The sample is written at the model's size (W x H = 48x32 for --size 32x48), so the masks predict
// writes are at the resolution it scored at, and its Dice can be recomputed from them exactly.
const CARS = 3;
const ANGLES = 16;

function npm(script: string, args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 480_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test.describe('headless tools', () => {
  let work = '';
  let data = '';
  test.beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'studio-cli-e2e-'));
    // A folder with a file in it, so the checks below reach the argument they are about.
    mkdirSync(path.join(work, 'notes'));
    writeFileSync(path.join(work, 'notes', 'readme.txt'), 'no images here');
    data = path.join(work, 'data');
    const sample = npm('sample', ['--out', data, '--cars', String(CARS), '--size', '48x32', '--seed', '7']);
    expect(sample.status, sample.output).toBe(0);
  });
  test.afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The thread trial's times, in report.json and on the console, and its rule by hand: 2 threads only when they save more than 5% of the 1-thread step. */
  function expectThreadChoice(report: { threads: number; threadChoice: { reason: string; timings: Array<{ threads: number; ms: number }> } }, output: string) {
    const { reason, timings } = report.threadChoice;
    expect(timings.map((t) => t.threads)).toEqual([1, 2]);
    const [oneThread, twoThreads] = timings.map((t) => t.ms) as [number, number];
    for (const ms of [oneThread, twoThreads]) expect(ms).toBeGreaterThan(0);
    expect(reason).toContain(`(a training step took 1: ${oneThread.toFixed(0)} ms, 2: ${twoThreads.toFixed(0)} ms)`);
    const chosen = twoThreads < oneThread * 0.95 ? 2 : 1;
    expect(reason).toMatch(new RegExp(`^${chosen} threads?: `));
    expect(report.threads).toBe(chosen);
    expect(output).toContain(`wasm threads: ${reason}`);
    // BENCHMARKS quotes the measured times from the test's log.
    console.log(`wasm thread choice (command line): ${reason}`);
  }

  test('bad arguments and a missing folder exit non-zero with a message', () => {
    const notes = path.join(work, 'notes');
    const cases: Array<[string, string[], RegExp]> = [
      ['train', ['--data', path.join(work, 'no-such-folder'), '--out', path.join(work, 'x')], /--data .*no-such-folder: no such folder/],
      ['train', ['--data', notes, '--out', path.join(work, 'x'), '--size', '30x40'], /multiple of 16/],
      ['train', ['--data', notes, '--out', path.join(work, 'x'), '--preset', 'resnet'], /--preset/],
      ['train', ['--data', notes], /--out OUT .* is required/],
      [
        'train',
        ['--data', notes, '--out', path.join(work, 'x'), '--epochs', '0', '--minutes', '1'],
        /--epochs 0 only loads and splits the data: drop --minutes/,
      ],
      ['train', ['--data', notes, '--out', path.join(work, 'x'), '--lr', '-1'], /--lr -1: /],
      ['train', ['--frobnicate'], /unknown argument "--frobnicate"/],
      // A folder with no image/mask pair is refused after loading, saying what was expected.
      ['train', ['--data', notes, '--out', path.join(work, 'x'), '--preset', 'tiny', '--epochs', '0'], /no image\/mask pairs found/],
      ['predict', ['--model', path.join(work, 'no-model'), '--data', work], /--model .*no-model: no such file or folder/],
      ['predict', ['--data', notes], /--model .* is required/],
    ];
    for (const [script, args, message] of cases) {
      const { status, output } = npm(script, args);
      expect(status, `${script} ${args.join(' ')}\n${output}`).toBe(2);
      expect(output).toMatch(message);
      // A message, not a stack trace.
      expect(output).not.toMatch(/\n\s+at /);
    }
  });

  test('--epochs 0 loads and splits only, and writes every report field, honestly empty', async ({ page }) => {
    const out = path.join(work, 'ingest-only');
    // wasm forced, threads left to auto (the default): headless, no core is kept for a page, so it times 1 and 2.
    const train = npm('train', ['--data', data, '--preset', 'tiny', '--size', '32x48', '--epochs', '0', '--seed', '3', '--backend', 'wasm', '--out', out]);
    expect(train.status, train.output).toBe(0);
    expect(train.output).toMatch(/--epochs 0: loaded and split only/);
    // No model was trained, so no model is exported.
    expect(readdirSync(out)).toEqual(['report.json']);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expectReportFields(report);
    expect(report.status).toBe('ingested');
    expect(report.pairs).toBe(CARS * ANGLES);
    expect(report.history).toEqual([]);
    expect(report.test).toBeNull();
    expect(report.imagesPerSecond).toBe(0);
    expect(report.steps).toBe(0);
    const parts = [report.split.train, report.split.val, report.split.test];
    expect(parts.reduce((sum: number, part: { pairs: number }) => sum + part.pairs, 0)).toBe(CARS * ANGLES);
    for (const part of parts) expect(part.pairs).toBe(part.groups.length * ANGLES);
    expect(report.adapter).toEqual(await adapterInBrowser(page).then((a) => a && expect.objectContaining(a)));
    expectThreadChoice(report, train.output);
  });

  test('train writes the studio export and report.json; predict scores it and cuts cars out', async ({ page }) => {
    test.setTimeout(900_000);
    const out = path.join(work, 'model');
    const train = npm('train', ['--data', data, '--preset', 'tiny', '--size', '32x48', '--epochs', '1', '--batch', '4', '--seed', '3', '--out', out]);
    expect(train.status, train.output).toBe(0);
    expect(train.output).toMatch(/epoch 1: train loss \d/);
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'run.json', 'history.csv', 'report.json']));

    const modelJson = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    const manifest: Array<{ name: string; shape: number[] }> = modelJson.weightsManifest.flatMap((group: { weights: unknown[] }) => group.weights);
    const floats = (weights: typeof manifest) => weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(readFileSync(path.join(out, 'weights.bin')).byteLength).toBe(4 * floats(manifest));
    // Trainable parameters: every weight but BatchNorm's moving statistics.
    const trainable = floats(manifest.filter((w) => !/moving_(mean|variance)$/.test(w.name)));

    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expectReportFields(report);
    expect(report.preset).toBe('tiny');
    expect(report.size).toEqual([32, 48]);
    expect(report.seed).toBe(3);
    expect(report.pairs).toBe(CARS * ANGLES);
    // The sample's own index.json is the one file that is not an image.
    expect(report.skipped).toEqual([{ file: 'index.json', reason: 'not an image (.json)' }]);
    expect(report.params).toBe(trainable);
    // The adapter the tool reports is the one this Chromium offers a page (null when it offers none).
    expect(report.adapter).toEqual(await adapterInBrowser(page).then((a) => a && expect.objectContaining(a)));
    const { train: trainSplit, val, test: testSplit } = report.split;
    expect(trainSplit.pairs + val.pairs + testSplit.pairs).toBe(CARS * ANGLES);
    const groups = [...trainSplit.groups, ...val.groups, ...testSplit.groups];
    expect(new Set(groups).size).toBe(CARS);
    for (const part of [trainSplit, val, testSplit]) expect(part.pairs).toBe(part.groups.length * ANGLES);
    expect(report.history).toHaveLength(1);
    const epoch = report.history[0];
    expect(epoch.epoch).toBe(1);
    expect(epoch.trainLoss).toBeGreaterThan(0);
    expect(epoch.valLoss).toBeGreaterThan(0);
    expect(report.test).not.toBeNull();
    expect(report.testPerImage).toHaveLength(testSplit.pairs);
    // The test means are the means of the per-image figures (1e-9: float sums in another order).
    for (const key of ['dice', 'iou'] as const) {
      const mean = report.testPerImage.reduce((sum: number, m: Record<string, number>) => sum + m[key]!, 0) / testSplit.pairs;
      expect(Math.abs(report.test[key] - mean), `test ${key}`).toBeLessThan(1e-9);
    }
    expect(report.imagesPerSecond).toBeGreaterThan(0);
    // One epoch = ceil(train pairs / batch) steps.
    expect(report.steps).toBe(Math.ceil(trainSplit.pairs / 4));

    // predict on every pair of the same folder, with masks and cut-outs.
    const masks = path.join(work, 'masks');
    const cutouts = path.join(work, 'cutouts');
    const reportFile = path.join(work, 'predict.json');
    const predict = npm('predict', ['--model', out, '--data', data, '--report', reportFile, '--masks', masks, '--cutouts', cutouts]);
    expect(predict.status, predict.output).toBe(0);
    expect(predict.output).toMatch(new RegExp(`${CARS * ANGLES} pairs at 32x48: dice \\d`));
    const scored = JSON.parse(readFileSync(reportFile, 'utf8'));
    expectPredictFields(scored);
    expect(scored.pairs).toBe(CARS * ANGLES);
    expect(scored.perImage).toHaveLength(CARS * ANGLES);

    // Every image's five metrics, recomputed from the mask predict wrote and the ground-truth GIF
    // (tolerance 1e-6: the same counts, divided in another order), and the means from those.
    const sums = { dice: 0, iou: 0, precision: 0, recall: 0, accuracy: 0 };
    for (const entry of scored.perImage as Array<Scores & { file: string }>) {
      const stem = entry.file.replace(/^train\//, '').replace(/\.jpg$/, '');
      const maskPng = readFileSync(path.join(masks, 'train', `${stem}.png`));
      const truth = readFileSync(path.join(data, 'train_masks', `${stem}_mask.gif`));
      const recomputed = await scoresInBrowser(page, maskPng, truth);
      expect([recomputed.width, recomputed.height]).toEqual([48, 32]);
      for (const key of METRICS) {
        expect(Math.abs(recomputed[key] - entry[key]), `${entry.file} ${key}`).toBeLessThan(1e-6);
        sums[key] += recomputed[key];
      }
      const alpha = await alphaAgainstMask(page, readFileSync(path.join(cutouts, 'train', `${stem}.png`)), maskPng);
      expect(alpha.pixels).toBe(48 * 32);
      expect(alpha.mismatches, `${entry.file}: cut-out alpha against its mask`).toBe(0);
    }
    for (const key of METRICS) expect(Math.abs(sums[key] / scored.pairs - scored[key]), `mean ${key}`).toBeLessThan(1e-6);

    // Photos without masks: only masks and cut-outs, one each.
    const photos = path.join(work, 'photos');
    mkdirSync(photos);
    const jpgs = readdirSync(path.join(data, 'train'))
      .filter((name) => name.endsWith('.jpg'))
      .slice(0, 3);
    for (const name of jpgs) copyFileSync(path.join(data, 'train', name), path.join(photos, name));
    const photoCutouts = path.join(work, 'photo-cutouts');
    const unlabelled = npm('predict', ['--model', out, '--data', photos, '--cutouts', photoCutouts]);
    expect(unlabelled.status, unlabelled.output).toBe(0);
    expect(unlabelled.output).toMatch(/wrote cut-outs to .* for 3 photos/);
    expect(readdirSync(photoCutouts).sort()).toEqual(jpgs.map((name) => name.replace(/\.jpg$/, '.png')).sort());
    const first = readFileSync(path.join(photoCutouts, jpgs[0]!.replace(/\.jpg$/, '.png')));
    expect(first[25]).toBe(6); // IHDR colour type 6: RGBA
    expect(existsSync(path.join(out, 'predict.json'))).toBe(false);

    // At the photo's own size (issue 14): photos 4x the model's input. The report gives Dice at the
    // model's size and at the photos' (bilinear and guided); the masks predict writes are the guided
    // ones at 192x128, so their Dice against the GIFs is the report's guided figure; the cut-outs'
    // alpha is soft at the edge and above 0 exactly where the mask is.
    const large = path.join(work, 'data-192x128');
    const sampled = npm('sample', ['--out', large, '--cars', '1', '--size', '192x128', '--seed', '11']);
    expect(sampled.status, sampled.output).toBe(0);
    const largeMasks = path.join(work, 'masks-192x128');
    const largeCutouts = path.join(work, 'cutouts-192x128');
    const largeReport = path.join(work, 'predict-192x128.json');
    const atPhoto = npm('predict', ['--model', out, '--data', large, '--report', largeReport, '--masks', largeMasks, '--cutouts', largeCutouts]);
    expect(atPhoto.status, atPhoto.output).toBe(0);
    expect(atPhoto.output).toMatch(/at the photos' own size: dice \d\.\d{4} bilinear, \d\.\d{4} guided/);
    const full = JSON.parse(readFileSync(largeReport, 'utf8'));
    expectPredictFields(full);
    expect(full.pairs).toBe(ANGLES);
    for (const method of ['bilinear', 'guided'] as const) {
      for (const key of METRICS) {
        expect(full.photo[method][key], `photo ${method} ${key}`).toBeGreaterThanOrEqual(0);
        expect(full.photo[method][key], `photo ${method} ${key}`).toBeLessThanOrEqual(1);
        const mean = full.perImage.reduce((sum: number, m: { photo: Record<string, Scores> }) => sum + m.photo[method]![key], 0) / full.pairs;
        expect(Math.abs(mean - full.photo[method][key]), `mean photo ${method} ${key}`).toBeLessThan(1e-9);
      }
      expect(full.photo.msPerImage[method]).toBeGreaterThan(0);
    }
    let partial = 0;
    for (const entry of full.perImage as Array<{ file: string; photo: { width: number; height: number; guided: Scores } }>) {
      expect([entry.photo.width, entry.photo.height]).toEqual([192, 128]);
      const stem = entry.file.replace(/^train\//, '').replace(/\.jpg$/, '');
      const maskPng = readFileSync(path.join(largeMasks, 'train', `${stem}.png`));
      const recomputed = await scoresInBrowser(page, maskPng, readFileSync(path.join(large, 'train_masks', `${stem}_mask.gif`)));
      expect([recomputed.width, recomputed.height]).toEqual([192, 128]);
      for (const key of METRICS) expect(Math.abs(recomputed[key] - entry.photo.guided[key]), `${entry.file} guided ${key}`).toBeLessThan(1e-6);
      const cut = readFileSync(path.join(largeCutouts, 'train', `${stem}.png`));
      const alpha = await alphaAgainstMask(page, cut, maskPng);
      expect(alpha.mismatches, `${entry.file}: cut-out alpha > 0 against its mask`).toBe(0);
      partial += await page.evaluate(async (bytes) => {
        const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), { premultiplyAlpha: 'none' });
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        return context.getImageData(0, 0, bitmap.width, bitmap.height).data.filter((v, i) => i % 4 === 3 && v > 0 && v < 255).length;
      }, Array.from(cut));
    }
    expect(partial, 'cut-out pixels with a partial alpha').toBeGreaterThan(0);
    // No bound on guided against bilinear here: this one-epoch model's map hovers near the threshold, where
    // refining edges moves Dice by anything from -0.0036 to 0.054 (seen 2026-12-01). The gain is measured with
    // a trained model on real photos in BENCHMARKS.md ("Full-size masks"): +0.0027, better on 48 of 48.
  });
});
