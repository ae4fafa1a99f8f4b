import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../data/random';
import { buildPreset } from '../model/build';
import { DEFAULT_TRAIN_CONFIG, type EpochRecord } from '../train/config';
import { historyToCsv } from './export';
import { readSafetensors, writeSafetensors } from './safetensors';
import { buildRunFiles, buildTorchJob, readTorchRun, TorchRunError, type JobRun, type StudioJson } from './torchJob';

const SOURCES = { 'train.py': '# train\n', 'studio_torch/__init__.py': '', 'studio_torch/models.py': '# models\n', 'tests/test_x.py': '# not shipped\n' };

const epoch = (n: number, origin?: 'studio' | 'torch'): EpochRecord => ({
  epoch: n,
  step: 10 * n,
  trainLoss: 1 / n,
  valLoss: n === 1 ? NaN : 1.1 / n,
  dice: 0.5 + n / 100,
  iou: 0.4,
  precision: 0.6,
  recall: 0.7,
  accuracy: 0.9,
  learningRate: 3e-3,
  seconds: 2,
  imagesPerSecond: 12,
  ...(origin && { origin }),
});

const run = (): JobRun => ({
  id: 'run-1',
  name: 'tiny run',
  config: { ...DEFAULT_TRAIN_CONFIG, preset: 'tiny', height: 32, width: 48, epochs: 3 },
  split: {
    ratios: { train: 0.8, val: 0.1, test: 0.1 },
    seed: 1,
    train: { pairs: 96, groups: ['aaa', 'bbb'] },
    val: { pairs: 16, groups: ['ccc'] },
    test: { pairs: 16, groups: ['ddd'] },
  },
  history: [epoch(1), epoch(2)],
});

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const asFiles = (files: Record<string, Uint8Array>) => Object.entries(files).map(([name, bytes]) => ({ name: `RUN/${name}`, bytes }));

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (v) => (await v.read().data()) as Float32Array));
}

let model: tf.LayersModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildPreset('tiny', { height: 32, width: 48 });
  const rng = createRng(9);
  model.setWeights(
    model.weights.map((v) =>
      tf.tensor(
        Float32Array.from({ length: v.shape.reduce((a, b) => a! * b!, 1)! }, () => rng() - 0.5),
        v.shape as number[],
      ),
    ),
  );
});

describe('the PyTorch job', () => {
  it('holds train.py, the studio_torch package, the weights, studio.json and the README with the commands', async () => {
    const files = await buildTorchJob(model, run(), SOURCES, { job: 'test' });
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'model.safetensors',
      'studio.json',
      'studio_torch/__init__.py',
      'studio_torch/models.py',
      'train.py',
    ]);
    expect(decode(files['train.py']!)).toBe('# train\n');
    const studio = JSON.parse(decode(files['studio.json']!)) as StudioJson;
    expect(studio).toMatchObject({
      format: 'carvana-studio-run',
      version: 1,
      preset: 'tiny',
      height: 32,
      width: 48,
      model: {},
      run: { id: 'run-1', name: 'tiny run' },
      source: { job: 'test' },
    });
    expect(studio.config.epochs).toBe(3);
    expect(studio.split.test.groups).toEqual(['ddd']);
    expect(studio.history.map((e) => [e.epoch, e.origin])).toEqual([
      [1, 'studio'],
      [2, 'studio'],
    ]);
    expect(studio.history[0]!.valLoss).toBeNull(); // NaN as JSON writes it
    expect(readSafetensors(files['model.safetensors']!, 'model.safetensors').size).toBe(model.weights.length);
    const readme = decode(files['README.md']!);
    expect(readme).toContain('torchrun --nproc_per_node N JOBDIR/train.py --data DATA --epochs 1 --out RUN');
    expect(readme).toContain('--redirects 1 --tee 1');
    expect(readme).toMatch(/--nnodes 2 --node_rank 1 .*--master_addr/);
    expect(readme).toContain('python3 JOBDIR/train.py --eval DATA --weights RUN/model.safetensors');
  });

  it('stops the history at the epoch of the weights (the best checkpoint), and is refused without a split or the sources', async () => {
    const files = await buildTorchJob(model, run(), SOURCES, { job: 'test', epoch: 1 });
    expect((JSON.parse(decode(files['studio.json']!)) as StudioJson).history).toHaveLength(1);
    await expect(buildTorchJob(model, { ...run(), split: null }, SOURCES, { job: 'test' })).rejects.toThrow(/run "tiny run" has no recorded split/);
    await expect(buildTorchJob(model, run(), { 'studio_torch/a.py': '' }, { job: 'test' })).rejects.toThrow(/lack train\.py/);
  });
});

describe('a RUN coming back', () => {
  /** What the cluster writes: the job's studio.json with its epochs appended, the weights it ended with. */
  async function clusterRun(edit: (studio: StudioJson) => void = () => {}): Promise<Record<string, Uint8Array>> {
    const job = await buildTorchJob(model, run(), SOURCES, { job: 'test' });
    const studio = JSON.parse(decode(job['studio.json']!)) as StudioJson;
    studio.history.push({ ...epoch(3), origin: 'torch' });
    edit(studio);
    return {
      'model.safetensors': job['model.safetensors']!,
      'studio.json': new TextEncoder().encode(JSON.stringify(studio)),
      'history.csv': new TextEncoder().encode(historyToCsv(studio.history)),
    };
  }

  it('gives the model with the same weights and the whole history with origins', async () => {
    const { model: back, studio } = readTorchRun(asFiles(await clusterRun()));
    try {
      expect(await weightsOf(back)).toEqual(await weightsOf(model));
      expect(studio.history.map((e) => `${e.epoch}:${e.origin}`)).toEqual(['1:studio', '2:studio', '3:torch']);
      expect(studio.history[0]!.valLoss).toBeNaN();
      expect(studio.split.train.groups).toEqual(['aaa', 'bbb']);
      expect(studio.run).toEqual({ id: 'run-1', name: 'tiny run' });
    } finally {
      back.dispose();
    }
  });

  it("reads Python's bare NaN, and the studio's own RUN files", async () => {
    const files = await clusterRun();
    files['studio.json'] = new TextEncoder().encode(decode(files['studio.json']!).replace('"valLoss":null', '"valLoss":NaN'));
    const first = readTorchRun(asFiles(files));
    expect(first.studio.history[0]!.valLoss).toBeNaN();
    const again = readTorchRun(asFiles(await buildRunFiles(first.model, first.studio)));
    expect(await weightsOf(again.model)).toEqual(await weightsOf(model));
    expect(again.studio.history).toHaveLength(3);
    first.model.dispose();
    again.model.dispose();
  });

  const spoil = async (what: (files: Record<string, Uint8Array>) => void | Promise<void>) => {
    const files = await clusterRun();
    await what(files);
    return asFiles(files);
  };
  const studioEdit = (edit: (s: Record<string, unknown>) => void) => (files: Record<string, Uint8Array>) => {
    const s = JSON.parse(decode(files['studio.json']!)) as Record<string, unknown>;
    edit(s);
    files['studio.json'] = new TextEncoder().encode(JSON.stringify(s));
  };
  const tensorsEdit = (edit: (t: Map<string, { shape: number[]; values: Float32Array }>) => void) => (files: Record<string, Uint8Array>) => {
    const t = readSafetensors(files['model.safetensors']!, 'x');
    edit(t);
    files['model.safetensors'] = writeSafetensors(t);
  };

  it.each<[string, (files: Record<string, Uint8Array>) => void, RegExp]>([
    ['no studio.json', (f) => delete f['studio.json'], /^studio\.json is missing/],
    ['no weights', (f) => delete f['model.safetensors'], /^model\.safetensors is missing/],
    ['another version', studioEdit((s) => (s.version = 2)), /^studio\.json: version 2 is from another version of the studio/],
    ['another format', studioEdit((s) => (s.format = 'x')), /^studio\.json: format "x" is not "carvana-studio-run"/],
    [
      'a preset that does not fit the weights',
      studioEdit((s) => {
        s.preset = 'transunet';
        (s.config as Record<string, unknown>).preset = 'transunet';
      }),
      /^model\.safetensors: tensor "[\w.]+" is (missing|\[[\d, ]+\] but the model needs)[^]*studio\.json says transunet at 32x48/,
    ],
    [
      'a config for another size',
      studioEdit((s) => ((s.config as Record<string, unknown>).height = 64)),
      /^studio\.json does not fit the model: config's size 64x48 is not its 32x48/,
    ],
    ['a broken history', studioEdit((s) => ((s.history as unknown[])[1] = { epoch: 5 })), /^studio\.json: history entry 2 is epoch 5/],
    [
      'an unknown origin',
      studioEdit((s) => ((s.history as Array<Record<string, unknown>>)[2]!.origin = 'tpu')),
      /^studio\.json: history entry 3 \(epoch 3\) has origin "tpu"/,
    ],
    [
      'a split without car ids',
      studioEdit((s) => ((s.split as Record<string, unknown>).test = {})),
      /^studio\.json: split\.test\.groups is not a list of car ids/,
    ],
    [
      'a history.csv of another run',
      (f) => (f['history.csv'] = new TextEncoder().encode('epoch,step\n1,10\n')),
      /^history\.csv lists epochs 1 but studio\.json has 1, 2, 3/,
    ],
    ['a missing tensor', tensorsEdit((t) => t.delete([...t.keys()][0]!)), /^model\.safetensors: tensor "[\w.]+" is missing/],
    [
      'an extra tensor',
      tensorsEdit((t) => t.set('up1_conv1.num_batches_tracked', { shape: [], values: new Float32Array(1) })),
      /^model\.safetensors: tensor "up1_conv1\.num_batches_tracked" is not a weight of this model/,
    ],
    [
      'a mis-shaped tensor',
      tensorsEdit((t) => {
        const [name, w] = [...t].find(([, w]) => w.shape.length === 2)!;
        t.set(name, { ...w, shape: [...w.shape].reverse() });
      }),
      /^model\.safetensors: tensor "[\w.]+" is \[\d+, \d+\] but the model needs \[\d+, \d+\]/,
    ],
  ])('refuses %s, naming the file', async (_what, edit, message) => {
    const files = await spoil(edit);
    const before = tf.memory().numTensors;
    expect(() => readTorchRun(files)).toThrow(TorchRunError);
    expect(() => readTorchRun(files)).toThrow(message);
    // The half-built model is disposed.
    expect(tf.memory().numTensors).toBe(before);
  });
});
