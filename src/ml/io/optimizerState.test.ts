/** The optimizer's state across the PyTorch border: layout, round trip, refusals, and a job and RUN that carry it. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreset } from '../model/build';
import { DEFAULT_LOSS } from '../loss';
import { DEFAULT_TRAIN_CONFIG } from '../train/config';
import { createOptimizer, type OptimizerConfig } from '../train/optimizer';
import { trainStep } from '../train/step';
import { captureCheckpoint, type Checkpoint } from './checkpoint';
import { OPTIMIZER_STATE_NAME, optimizerFromTorchTensors, optimizerToTorchTensors } from './optimizerState';
import { readSafetensors, readSafetensorsMetadata, SafetensorsError, writeSafetensors } from './safetensors';
import { buildRunFiles, buildTorchJob, readTorchRun, studioJson } from './torchJob';

const [H, W] = [32, 48];
const ADAM: OptimizerConfig = { name: 'adam', learningRate: 0.01, momentum: 0.9 };
let model: tf.LayersModel;

/** The checkpoint's optimizer state after `steps` steps of `config` on seeded batches. */
async function stateAfter(config: OptimizerConfig, steps: number): Promise<NonNullable<Checkpoint['optimizer']>> {
  const optimizer = createOptimizer(config);
  try {
    for (let s = 0; s < steps; s++) {
      const x = tf.randomUniform<tf.Rank.R4>([2, H, W, 3], 0, 1, 'float32', 10 + s);
      const y = tf.tidy(
        () =>
          tf
            .randomUniform([2, H, W, 1], 0, 1, 'float32', 20 + s)
            .greater(0.5)
            .toFloat() as tf.Tensor4D,
      );
      tf.dispose([trainStep(model, optimizer, { x, y }, DEFAULT_LOSS), x, y]);
    }
    return (await captureCheckpoint(model, optimizer, config, 0, steps)).optimizer!;
  } finally {
    optimizer.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildPreset('tiny', { height: H, width: W });
});
afterAll(() => model.dispose());

describe("the optimizer's state in PyTorch's layout", () => {
  it("names each slot after its weight, lays it out as the weight, and keeps Adam's step", async () => {
    const state = await stateAfter(ADAM, 2);
    const sent = optimizerToTorchTensors(model, state)!;
    expect(sent.metadata).toEqual({ optimizer: 'adam', step: '2' });
    // Two slots for every trained weight (BatchNorm's moving statistics are not trained: no slots).
    expect(sent.tensors.size).toBe(2 * model.trainableWeights.length);
    // The stem kernel: tfjs [3, 3, 3, 4] (HWIO) is PyTorch's [4, 3, 3, 3] (OIHW), transposed by tf.transpose here.
    const stemIndex = model.trainableWeights.findIndex((w) => w.originalName === 'inc_conv1/kernel');
    const m = (state.specs[1 + stemIndex]!.shape as number[]).reduce((a, b) => a * b, 1);
    const offset = 4 * (1 + state.specs.slice(1, 1 + stemIndex).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0));
    const hwio = tf.tensor(new Float32Array(state.data.slice(offset, offset + 4 * m)), state.specs[1 + stemIndex]!.shape);
    const oihw = tf.transpose(hwio, [3, 2, 0, 1]);
    const slot = sent.tensors.get('inc_conv1.weight.exp_avg')!;
    expect(slot.shape).toEqual([4, 3, 3, 3]);
    expect(Array.from(slot.values)).toEqual(Array.from(await oihw.data()));
    expect(sent.tensors.get('vit_block1.qkv.weight.exp_avg_sq')!.shape).toEqual([48, 16]); // Dense [in, out] -> Linear [out, in]
    tf.dispose([hwio, oihw]);
  });

  it('comes back bit for bit, through a safetensors file, for Adam and SGD with momentum', async () => {
    for (const config of [ADAM, { name: 'sgd', learningRate: 0.05, momentum: 0.9 } as OptimizerConfig]) {
      const state = await stateAfter(config, 1);
      const sent = optimizerToTorchTensors(model, state)!;
      const bytes = writeSafetensors(sent.tensors, { format: 'pt', ...sent.metadata });
      const back = optimizerFromTorchTensors(
        model,
        readSafetensors(bytes, 'o.safetensors'),
        readSafetensorsMetadata(bytes, 'o.safetensors'),
        config,
        'o.safetensors',
      );
      expect(back.specs.map((s) => s.shape)).toEqual(state.specs.map((s) => s.shape));
      expect(new Uint8Array(back.data)).toEqual(new Uint8Array(state.data));
    }
  });

  it('sends nothing for RMSprop (its update differs from PyTorch) or before the first step', async () => {
    expect(optimizerToTorchTensors(model, await stateAfter({ name: 'rmsprop', learningRate: 1e-3, momentum: 0.9 }, 1))).toBeNull();
    expect(optimizerToTorchTensors(model, await stateAfter(ADAM, 0))).toBeNull();
    expect(optimizerToTorchTensors(model, null)).toBeNull();
  });

  it('refuses a missing, mis-shaped or extra tensor, or another optimizer, naming the file and the tensor', async () => {
    const { tensors, metadata } = optimizerToTorchTensors(model, await stateAfter(ADAM, 1))!;
    const without = new Map(tensors);
    without.delete('logits.bias.exp_avg');
    const read =
      (t: Map<string, { shape: number[]; values: Float32Array }>, meta = metadata) =>
      () =>
        optimizerFromTorchTensors(model, t, meta, ADAM, OPTIMIZER_STATE_NAME);
    expect(read(without)).toThrow(new SafetensorsError('optimizer.safetensors: tensor "logits.bias.exp_avg" is missing (the model needs it as [1])'));
    expect(read(new Map(tensors).set('logits.bias.exp_avg', { shape: [2], values: new Float32Array(2) }))).toThrow(
      'optimizer.safetensors: tensor "logits.bias.exp_avg" is [2] but the model needs [1]',
    );
    expect(read(new Map(tensors).set('logits.bias.velocity', { shape: [1], values: new Float32Array(1) }))).toThrow(
      'optimizer.safetensors: tensor "logits.bias.velocity" is not a adam slot of this model\'s weights',
    );
    expect(read(tensors, { ...metadata, optimizer: 'sgd' })).toThrow("optimizer.safetensors holds sgd's state but the run trains with adam");
    expect(read(tensors, { ...metadata, step: '0' })).toThrow('optimizer.safetensors: metadata "step" "0" is not a positive whole number');
  });
});

describe('a job and a RUN that carry the state', () => {
  const run = {
    id: 'r',
    name: 'r',
    config: { ...DEFAULT_TRAIN_CONFIG, preset: 'tiny' as const, height: H, width: W, optimizer: ADAM },
    split: {
      ratios: { train: 0.8, val: 0.1, test: 0.1 },
      seed: 1,
      train: { pairs: 2, groups: ['a'] },
      val: { pairs: 1, groups: ['b'] },
      test: { pairs: 1, groups: ['c'] },
    },
    history: [],
  };

  it('writes optimizer.safetensors into the job, and a RUN that brings it back hands the state out', async () => {
    const state = await stateAfter(ADAM, 2);
    const job = await buildTorchJob(model, run, { 'train.py': '', 'studio_torch/a.py': '' }, { job: 'test', optimizer: state });
    expect(readSafetensorsMetadata(job[OPTIMIZER_STATE_NAME]!, OPTIMIZER_STATE_NAME)).toEqual({ format: 'pt', optimizer: 'adam', step: '2' });
    expect(Object.keys(await buildTorchJob(model, run, { 'train.py': '', 'studio_torch/a.py': '' }, { job: 'test' }))).not.toContain(OPTIMIZER_STATE_NAME);

    const files = { ...(await buildRunFiles(model, studioJson(run, model, 'test'))), [OPTIMIZER_STATE_NAME]: job[OPTIMIZER_STATE_NAME]! };
    const back = readTorchRun(Object.entries(files).map(([name, bytes]) => ({ name: `RUN/${name}`, bytes })));
    expect(new Uint8Array(back.optimizer!.data)).toEqual(new Uint8Array(state.data));
    back.model.dispose();
    const bad = { ...files, [OPTIMIZER_STATE_NAME]: writeSafetensors(new Map(), { optimizer: 'adam', step: '2' }) };
    expect(() => readTorchRun(Object.entries(bad).map(([name, bytes]) => ({ name, bytes })))).toThrow(
      /optimizer\.safetensors: tensor "[\w.]+\.exp_avg" is missing/,
    );
  });
});
