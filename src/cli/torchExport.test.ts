/** `npm run export --format torch` and a RUN folder in `npm run export` / `npm run predict`, as a user runs them: child processes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelToFiles } from '../ml/io/export';
import { compare, LOGIT_TOLERANCE, ortLogits, randomImage, seedWeights, tfjsLogits } from '../ml/io/onnx/equality.fixtures';
import { decodeModel } from '../ml/io/onnx/proto';
import { readSafetensors, writeSafetensors } from '../ml/io/safetensors';
import { readTorchRun, type StudioJson } from '../ml/io/torchJob';
import { buildPreset } from '../ml/model/build';
import { DEFAULT_TRAIN_CONFIG } from '../ml/train/config';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function cli(tool: 'export' | 'predict', args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSX, `src/cli/${tool}.ts`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const RUN_JSON = {
  id: 'run-abc',
  name: 'tiny on sample',
  config: { ...DEFAULT_TRAIN_CONFIG, preset: 'tiny', height: 32, width: 48, epochs: 2, threshold: 0.45 },
  split: {
    ratios: { train: 0.8, val: 0.1, test: 0.1 },
    seed: 1,
    train: { pairs: 96, groups: ['a1', 'a2'] },
    val: { pairs: 16, groups: ['b1'] },
    test: { pairs: 16, groups: ['c1'] },
  },
  history: [
    {
      epoch: 1,
      step: 24,
      trainLoss: 0.7,
      valLoss: 0.6,
      dice: 0.55,
      iou: 0.4,
      precision: 0.5,
      recall: 0.6,
      accuracy: 0.8,
      learningRate: 0.003,
      seconds: 9,
      imagesPerSecond: 10,
    },
  ],
};

const filesOf = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

describe('npm run export --format torch, and a RUN coming back', () => {
  let work = '';
  let model: tf.LayersModel;
  let trained = '';
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    work = mkdtempSync(path.join(tmpdir(), 'studio-torch-'));
    model = buildPreset('tiny');
    seedWeights(model, 11);
    trained = path.join(work, 'trained');
    mkdirSync(trained);
    const files = await modelToFiles(model);
    writeFileSync(path.join(trained, 'model.json'), files['model.json']);
    writeFileSync(path.join(trained, 'weights.bin'), files['weights.bin']);
    writeFileSync(path.join(trained, 'run.json'), JSON.stringify(RUN_JSON));
  });
  afterAll(() => {
    model?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A RUN as the cluster leaves it: the job's weights and studio.json with one epoch of its own. */
  function makeRun(
    job: string,
    name: string,
    edit: (studio: StudioJson, weights: Map<string, { shape: number[]; values: Float32Array }>) => void = () => {},
  ): string {
    const dir = path.join(work, name);
    mkdirSync(dir);
    const studio = JSON.parse(readFileSync(path.join(job, 'studio.json'), 'utf8')) as StudioJson;
    studio.history.push({ ...studio.history[0]!, epoch: 2, step: 48, origin: 'torch' });
    const weights = readSafetensors(readFileSync(path.join(job, 'model.safetensors')), 'model.safetensors');
    edit(studio, weights);
    writeFileSync(path.join(dir, 'studio.json'), JSON.stringify(studio));
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(weights));
    return dir;
  }

  let job = '';
  it('writes the job folder: the package from src/torch, the weights, studio.json, the README', () => {
    job = path.join(work, 'job');
    const result = cli('export', ['--model', trained, '--format', 'torch', '--out', job]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`wrote the PyTorch job to ${job}`);
    const python = [
      'train.py',
      ...readdirSync(path.join(ROOT, 'src/torch/studio_torch'))
        .filter((n) => n.endsWith('.py'))
        .map((n) => `studio_torch/${n}`),
    ].filter((p) => existsSync(path.join(ROOT, 'src/torch', p)));
    expect(filesOf(job)).toEqual(['README.md', 'model.safetensors', 'studio.json', ...python].sort());
    for (const p of python) expect(readFileSync(path.join(job, p), 'utf8')).toBe(readFileSync(path.join(ROOT, 'src/torch', p), 'utf8'));
    const studio = JSON.parse(readFileSync(path.join(job, 'studio.json'), 'utf8')) as StudioJson;
    expect(studio).toMatchObject({
      format: 'carvana-studio-run',
      version: 1,
      preset: 'tiny',
      height: 32,
      width: 48,
      run: { id: 'run-abc', name: 'tiny on sample' },
    });
    expect(studio.split.test.groups).toEqual(['c1']);
    expect(studio.history.map((e) => e.origin)).toEqual(['studio']);
    expect(readFileSync(path.join(job, 'README.md'), 'utf8')).toContain('--redirects 1 --tee 1');
  });

  it('a RUN gives the same model, and npm run export turns it into ONNX with the same logits', async () => {
    const run = makeRun(job, 'run');
    const back = readTorchRun(['model.safetensors', 'studio.json'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(run, name))) })));
    const images = [randomImage(32, 48, 1), randomImage(32, 48, 2)];
    expect(compare(await tfjsLogits(back.model, images, 32, 48), await tfjsLogits(model, images, 32, 48)).maxAbs).toBe(0);
    back.model.dispose();

    const result = cli('export', ['--model', run, '--format', 'onnx']);
    expect(result.status, result.output).toBe(0);
    const bytes = new Uint8Array(readFileSync(path.join(run, 'model.onnx')));
    const metadata = Object.fromEntries(decodeModel(bytes).metadata_props.map((p) => [p.key, p.value]));
    expect(metadata).toMatchObject({ preset: 'tiny', input_size: '32x48', threshold: '0.45', run: 'tiny on sample, id run-abc' });
    const session = await ort.InferenceSession.create(bytes);
    const actual = await ortLogits(session, images, 32, 48);
    await session.release();
    expect(compare(actual.data, await tfjsLogits(model, images, 32, 48)).maxScaled).toBeLessThanOrEqual(LOGIT_TOLERANCE);

    // And a RUN continues as another job, its cluster epochs kept.
    const again = path.join(work, 'job2');
    expect(cli('export', ['--model', run, '--format', 'torch', '--out', again]).status).toBe(0);
    const studio = JSON.parse(readFileSync(path.join(again, 'studio.json'), 'utf8')) as StudioJson;
    expect(studio.history.map((e) => `${e.epoch}:${e.origin}`)).toEqual(['1:studio', '2:torch']);
  });

  it.each<[string, (studio: StudioJson, weights: Map<string, { shape: number[]; values: Float32Array }>) => void, RegExp]>([
    ['a RUN from another version', (s) => ((s as { version: number }).version = 2), /studio\.json: version 2 is from another version of the studio/],
    [
      'an extra tensor',
      (_s, w) => w.set('inc_conv1.num_batches_tracked', { shape: [], values: new Float32Array(1) }),
      /model\.safetensors: tensor "inc_conv1\.num_batches_tracked" is not a weight of this model/,
    ],
    [
      'a mis-shaped tensor',
      (_s, w) => {
        const [name, t] = [...w].find(([, t]) => t.shape.length === 4)!;
        w.set(name, { ...t, shape: [...t.shape].reverse() });
      },
      /model\.safetensors: tensor "[\w.]+" is \[3, 3, \d+, \d+\] but the model needs \[\d+, \d+, 3, 3\]/,
    ],
    [
      'a studio.json for another model',
      (s) => Object.assign(s, { preset: 'transunet', config: { ...s.config, preset: 'transunet' } }),
      /model\.safetensors: tensor "[\w.]+" is [^]*studio\.json says transunet at 32x48/,
    ],
  ])('exits 2 on %s, naming the file and the tensor (export and predict)', (what, edit, message) => {
    const run = makeRun(job, what.replace(/\W+/g, '-'), edit);
    const exported = cli('export', ['--model', run, '--format', 'onnx']);
    expect(exported.status, exported.output).toBe(2);
    expect(exported.output).toContain(`--model ${run}: `);
    expect(exported.output).toMatch(message);
    expect(existsSync(path.join(run, 'model.onnx'))).toBe(false);
    // predict checks the RUN in Node before the browser starts.
    const predicted = cli('predict', ['--model', run, '--data', path.join(ROOT, 'public/sample')]);
    expect(predicted.status, predicted.output).toBe(2);
    expect(predicted.output).toMatch(message);
  });

  it('exits 2 when a job is asked of a folder without its run, or without --out', () => {
    const bare = path.join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'model.json'), readFileSync(path.join(trained, 'model.json')));
    writeFileSync(path.join(bare, 'weights.bin'), readFileSync(path.join(trained, 'weights.bin')));
    const missing = cli('export', ['--model', bare, '--format', 'torch', '--out', path.join(work, 'nojob')]);
    expect(missing.status, missing.output).toBe(2);
    expect(missing.output).toContain(`${path.join(bare, 'run.json')} is missing: the job needs the run's settings, split and history`);
    const noOut = cli('export', ['--model', trained, '--format', 'torch']);
    expect(noOut.status, noOut.output).toBe(2);
    expect(noOut.output).toContain('--format torch needs --out JOBDIR');
  });
});
