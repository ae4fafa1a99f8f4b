import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { chunk, epochOrder, makeBatch, sequentialBatches } from '../../data/batches';
import { ellipseDataset } from '../../data/shapes';
import { subset } from '../../data/dataset';
import { createRng } from '../../data/random';
import { buildPreset } from '../model/build';
import { DEFAULT_LOSS } from '../loss';
import { evaluate } from './evaluate';
import { createOptimizer, OPTIMIZER_NAMES, setLearningRate, type OptimizerName } from './optimizer';
import { trainStep, trainableVariables } from './step';

const [H, W] = [32, 48];
/** Initial weights of the learning check. */
const SEED = Number(process.env.LEARNING_SEED ?? 1);

async function read(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/**
 * tfjs initialisers draw their seed from Math.random when given none: with Math.random seeded the
 * initial weights are the same on every run.
 */
function buildSeededTiny(seed: number): tf.LayersModel {
  const random = vi.spyOn(Math, 'random').mockImplementation(createRng(seed));
  try {
    return buildPreset('tiny');
  } finally {
    random.mockRestore();
  }
}

async function flatWeights(model: tf.LayersModel): Promise<Float32Array> {
  const flat = tf.tidy(() => tf.concat(model.getWeights().map((w) => w.flatten())));
  try {
    return (await flat.data()) as Float32Array;
  } finally {
    flat.dispose();
  }
}

describe('trainStep', () => {
  it.each(OPTIMIZER_NAMES)('%s: keeps tf.memory().numTensors identical from step 1 to step 50', async (name: OptimizerName) => {
    const data = ellipseDataset(4, H, W, 3);
    const model = buildPreset('tiny');
    // Momentum 0.9 for sgd and rmsprop: their accumulators are the state that could leak.
    const optimizer = createOptimizer({ name, learningRate: 1e-3, momentum: 0.9 });
    const variables = trainableVariables(model);
    const batch = makeBatch(data, [0, 1]);
    await read(trainStep(model, optimizer, batch, DEFAULT_LOSS, variables));
    const afterFirst = tf.memory().numTensors;
    for (let step = 2; step <= 50; step++) {
      const loss = await read(trainStep(model, optimizer, batch, DEFAULT_LOSS, variables));
      expect(Number.isFinite(loss)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(afterFirst);
    tf.dispose([batch.x, batch.y]);
    optimizer.dispose();
    model.dispose();
  });

  it.each(OPTIMIZER_NAMES)('%s: the first update scales with a learning rate changed before it', async (name: OptimizerName) => {
    // Identical weights and state; B's rate is raised 10x: every optimizer's first update is linear in the rate.
    const data = ellipseDataset(2, H, W, 5);
    const [a, b] = [buildPreset('tiny'), buildPreset('tiny')];
    b.setWeights(a.getWeights());
    const [optA, optB] = [createOptimizer({ name, learningRate: 1e-3, momentum: 0.9 }), createOptimizer({ name, learningRate: 1e-3, momentum: 0.9 })];
    setLearningRate(optB, 1e-2);
    const batch = makeBatch(data, [0, 1]);
    const before = await a.getWeights()[0].data(); // the first conv kernel
    await read(trainStep(a, optA, batch, DEFAULT_LOSS));
    await read(trainStep(b, optB, batch, DEFAULT_LOSS));
    const [afterA, afterB] = [await a.getWeights()[0].data(), await b.getWeights()[0].data()];
    let worst = 0;
    let moved = 0;
    for (let i = 0; i < before.length; i++) {
      const [dA, dB] = [afterA[i] - before[i], afterB[i] - before[i]];
      moved = Math.max(moved, Math.abs(dA));
      worst = Math.max(worst, Math.abs(dB - 10 * dA));
    }
    expect(moved).toBeGreaterThan(1e-6);
    // Each weight difference is rounded to float32 around the weight: up to half an ulp of the largest weight,
    // so dB - 10 dA carries up to 5.5 ulps (the init is random: a small first update once met 3e-7 of rounding).
    const ulp = Math.max(...Array.from(before, Math.abs)) * 2 ** -23;
    expect(worst).toBeLessThan(1e-3 * 10 * moved + 5.5 * ulp);
    tf.dispose([batch.x, batch.y]);
    [optA, optB].forEach((o) => o.dispose());
    [a, b].forEach((m) => m.dispose());
  });

  it('rejects a learning rate that is not positive', () => {
    const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1, momentum: 0.9 });
    expect(() => setLearningRate(optimizer, 0)).toThrow(/positive/);
    expect(() => setLearningRate(optimizer, NaN)).toThrow(/positive/);
    optimizer.dispose();
  });
});

describe('learning', () => {
  it('seeded initial weights are the same on every build, and differ between seeds', async () => {
    const [a, b, c] = [buildSeededTiny(7), buildSeededTiny(7), buildSeededTiny(8)];
    const [wa, wb, wc] = [await flatWeights(a), await flatWeights(b), await flatWeights(c)];
    expect(Array.from(wb)).toEqual(Array.from(wa));
    expect(wc.some((v, i) => v !== wa[i])).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('tiny reaches validation Dice >= 0.9 on ellipses within 240 steps', async () => {
    const all = ellipseDataset(80, H, W, 42);
    const train = subset(
      all,
      Array.from({ length: 64 }, (_, i) => i),
    );
    const val = subset(
      all,
      Array.from({ length: 16 }, (_, i) => 64 + i),
    );
    // Seeded weights, data and order: the same steps every run (printed, to see the margin to 240).
    const model = buildSeededTiny(SEED);
    const optimizer = createOptimizer({ name: 'adam', learningRate: 3e-3, momentum: 0.9 });
    const variables = trainableVariables(model);
    const tensorsAtStart = tf.memory().numTensors;
    let dice = 0;
    let steps = 0;
    for (let epoch = 0; steps < 240 && dice < 0.9; epoch++) {
      for (const indices of chunk(epochOrder(train.count, 1, epoch), 8)) {
        const batch = makeBatch(train, indices);
        trainStep(model, optimizer, batch, DEFAULT_LOSS, variables).dispose();
        tf.dispose([batch.x, batch.y]);
        steps++;
      }
      dice = (await evaluate(model, sequentialBatches(val, 8), DEFAULT_LOSS)).mean.dice;
    }
    console.log(`tiny, seed ${SEED}: val Dice ${dice.toFixed(4)} after ${steps} of at most 240 steps`);
    expect(dice).toBeGreaterThanOrEqual(0.9);
    // Adam's moment variables appear after the first step; nothing else may stay behind.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensorsAtStart + 2 * variables.length + 2);
    optimizer.dispose();
    model.dispose();
  });
});

describe('evaluate', () => {
  it('a model that predicts the mask exactly scores 1 and disposes its batches', async () => {
    // A 1x1 conv that outputs 40 * (red - 0.5): on ellipses with red > 0.6 inside and < 0.45 outside,
    // that is the mask; built by hand, independent of training.
    const data = ellipseDataset(6, H, W, 9);
    let exact = 0;
    for (let i = 0; i < data.count * H * W; i++) exact += Number(data.images[i * 3] > 140 === (data.masks[i] === 1));
    expect(exact).toBe(data.count * H * W); // the premise: red separates the classes

    const input = tf.input({ shape: [H, W, 3] });
    const output = tf.layers
      .conv2d({ filters: 1, kernelSize: 1, weights: [tf.tensor4d([40, 0, 0], [1, 1, 3, 1]), tf.tensor1d([-0.55 * 40])] })
      .apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const before = tf.memory().numTensors;
    const result = await evaluate(model, sequentialBatches(data, 4), DEFAULT_LOSS);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.perImage).toHaveLength(6);
    expect(result.mean.dice).toBe(1);
    expect(result.mean.iou).toBe(1);
    expect(result.perImage.every((m) => m.fp === 0 && m.fn === 0)).toBe(true);
    model.dispose();
  });
});
