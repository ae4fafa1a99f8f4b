import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../data/batches';
import { ellipseDataset } from '../../data/shapes';
import { DEFAULT_LOSS } from '../loss';
import { buildPreset } from '../model/index';
import { createOptimizer, OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from '../train/optimizer';
import { trainStep, type Batch } from '../train/step';
import { captureCheckpoint, checkpointBytes, modelFromCheckpoint, restoreOptimizer, restoreWeights, type Checkpoint } from './checkpoint';

const [H, W] = [32, 48];
const ADAM: OptimizerConfig = { name: 'adam', learningRate: 1e-2, momentum: 0.9 };

let batches: Batch[] = [];

beforeAll(() => {
  const data = ellipseDataset(4, H, W, 7);
  batches = [makeBatch(data, [0, 1]), makeBatch(data, [2, 3])];
});

afterAll(() => {
  for (const b of batches) tf.dispose([b.x, b.y]);
});

/** Trains on the given batches in order and returns the losses. */
async function train(model: tf.LayersModel, optimizer: tf.Optimizer, order: number[]): Promise<number[]> {
  const losses: number[] = [];
  for (const i of order) {
    const loss = trainStep(model, optimizer, batches[i], DEFAULT_LOSS);
    try {
      losses.push((await loss.data())[0]);
    } finally {
      loss.dispose();
    }
  }
  return losses;
}

/** The engine's name of the model's first variable (unique per process, unlike the layer's name). */
const variableName = (model: tf.LayersModel): string => (model.trainableWeights[0].read() as tf.Variable).name;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe('captureCheckpoint / restore', () => {
  it('resumes exactly: a fresh model with the restored Adam state repeats the recorded losses', async () => {
    const model = buildPreset('tiny');
    const optimizer = createOptimizer(ADAM);
    const others: Array<{ dispose(): void }> = [model, optimizer];
    try {
      await train(model, optimizer, [0, 1, 0]);
      const checkpoint = await captureCheckpoint(model, optimizer, ADAM, 1, 3);
      const recorded = await train(model, optimizer, [1, 0]);

      // Built after the first, so tfjs gave its variables other names ("..._1").
      const fresh = buildPreset('tiny');
      others.push(fresh);
      await restoreWeights(fresh, checkpoint);
      const restored = (await restoreOptimizer(checkpoint, fresh))!;
      others.push(restored);
      expect(variableName(fresh)).not.toBe(variableName(model));
      const slotNames = (await restored.getWeights()).map((w) => w.name);
      expect(slotNames[1]).toBe(`${variableName(model)}/m`);
      const resumed = await train(fresh, restored, [1, 0]);
      expect(maxAbsDiff(resumed, recorded)).toBeLessThan(1e-5);

      // Control: the same weights with a new optimizer agree on the first loss (weights only)
      // and not on the second, so the match above is the optimizer state's doing.
      const cold = buildPreset('tiny');
      const coldOptimizer = createOptimizer(ADAM);
      others.push(cold, coldOptimizer);
      await restoreWeights(cold, checkpoint);
      const coldLosses = await train(cold, coldOptimizer, [1, 0]);
      expect(Math.abs(coldLosses[0] - recorded[0])).toBeLessThan(1e-5);
      expect(Math.abs(coldLosses[1] - recorded[1])).toBeGreaterThan(1e-4);
    } finally {
      for (const o of others) o.dispose();
    }
  });

  it.each(OPTIMIZER_NAMES)('%s: state survives a structured clone (IndexedDB, postMessage) byte for byte', async (name: OptimizerName) => {
    const config: OptimizerConfig = { name, learningRate: 3e-3, momentum: 0.8 };
    const model = buildPreset('tiny');
    const optimizer = createOptimizer(config);
    let restored: tf.Optimizer | null = null;
    try {
      await train(model, optimizer, [0]);
      const checkpoint = structuredClone(await captureCheckpoint(model, optimizer, config, 0, 1));
      restored = await restoreOptimizer(checkpoint, model);
      const again = await captureCheckpoint(model, restored, config, 0, 1);
      expect(again.optimizer!.config).toEqual(config);
      expect(again.optimizer!.specs.map((s) => s.shape)).toEqual(checkpoint.optimizer!.specs.map((s) => s.shape));
      expect(new Uint8Array(again.optimizer!.data)).toEqual(new Uint8Array(checkpoint.optimizer!.data));
      expect(checkpointBytes(checkpoint)).toBeGreaterThan(checkpoint.weights.byteLength + checkpoint.optimizer!.data.byteLength);
    } finally {
      restored?.dispose();
      optimizer.dispose();
      model.dispose();
    }
  });

  it('rebuilds the model from the checkpoint alone, BatchNorm statistics included', async () => {
    const model = buildPreset('tiny');
    const optimizer = createOptimizer(ADAM);
    let rebuilt: tf.LayersModel | null = null;
    try {
      await train(model, optimizer, [0]); // moves the BatchNorm moving statistics off their initial values
      const checkpoint = await captureCheckpoint(model, null, ADAM, 0, 1);
      expect(checkpoint.optimizer).toBeNull();
      rebuilt = await modelFromCheckpoint(checkpoint);
      const [a, b] = [model.predict(batches[1].x) as tf.Tensor, rebuilt.predict(batches[1].x) as tf.Tensor];
      try {
        expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThan(1e-6);
      } finally {
        tf.dispose([a, b]);
      }
      expect(await restoreOptimizer(checkpoint)).toBeNull();
    } finally {
      rebuilt?.dispose();
      optimizer.dispose();
      model.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat across capture and restore', async () => {
    const model = buildPreset('tiny');
    const optimizer = createOptimizer(ADAM);
    try {
      await train(model, optimizer, [0]);
      const before = tf.memory().numTensors;
      const checkpoint = await captureCheckpoint(model, optimizer, ADAM, 0, 1);
      expect(tf.memory().numTensors).toBe(before);
      await restoreWeights(model, checkpoint);
      expect(tf.memory().numTensors).toBe(before);
      const restored = (await restoreOptimizer(checkpoint, model))!;
      restored.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });
});

describe('mismatches', () => {
  let checkpoint: Checkpoint;
  const models: tf.LayersModel[] = [];

  beforeAll(async () => {
    const model = buildPreset('tiny');
    const optimizer = createOptimizer(ADAM);
    await train(model, optimizer, [0]);
    checkpoint = await captureCheckpoint(model, optimizer, ADAM, 0, 1);
    optimizer.dispose();
    model.dispose();
  });

  afterAll(() => {
    for (const m of models) m.dispose();
  });

  it('names the counts when the architecture differs', async () => {
    const plain = buildPreset('tiny', { transformer: null });
    models.push(plain);
    const before = tf.memory().numTensors;
    await expect(restoreWeights(plain, checkpoint)).rejects.toThrow(
      `checkpoint has ${checkpoint.weightSpecs.length} weights, the model ${plain.weights.length}`,
    );
    await expect(restoreOptimizer(checkpoint, plain)).rejects.toThrow(
      `optimizer tracks ${(checkpoint.optimizer!.specs.length - 1) / 2} variables, the model trains ${plain.trainableWeights.length}`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the first weight whose shape differs', async () => {
    const wider = buildPreset('tiny', { base: 8 });
    models.push(wider);
    await expect(restoreWeights(wider, checkpoint)).rejects.toThrow('eight 0 (inc_conv1/kernel) is [3,3,3,4] in the checkpoint but [3,3,3,8] in the model');
  });

  it('refuses a damaged buffer', async () => {
    const model = buildPreset('tiny');
    models.push(model);
    const damaged: Checkpoint = { ...checkpoint, weights: checkpoint.weights.slice(0, 1000) };
    await expect(restoreWeights(model, damaged)).rejects.toThrow('hold 1000 bytes but their specs need');
  });
});
