/** The Trainer steered mid-run: resumed decisions, overlays while paused, a changed rate's update, an abort. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { chunk, epochOrder, makeBatch } from '../../data/batches';
import { hybridLoss } from '../loss';
import { buildPreset } from '../model/build';
import type { EpochRecord } from './config';
import { EpochDecisions } from './epochDecisions';
import { DEFAULT_SCHEDULE } from './schedule';
import { trainableVariables } from './step';
import type { Progress } from './trainer';
import { config, data, dispose, H, makeTrainer, recorder, W } from './trainer.fixtures';

/** Polls `condition` every 10 ms; fails after `ms` saying what it waited for. */
async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function record(epoch: number, dice: number, step: number): EpochRecord {
  return { epoch, step, trainLoss: 0.5, valLoss: 0.5, learningRate: 1e-3, seconds: 1, imagesPerSecond: 8, dice, iou: 0, precision: 0, recall: 0, accuracy: 0 };
}

describe('a resumed Trainer', () => {
  it('lowers the rate and stops early as an uninterrupted run would on the same val Dice', async () => {
    // Saved after 2 epochs: a best (0.999, out of reach of a barely trained model) and one flat epoch.
    // Uninterrupted, plateau (patience 2) lowers the rate at epoch 3 and early stopping (patience 3)
    // stops at epoch 4. Counters that restarted at zero would call epoch 3 a new best and go on.
    const cfg = config({ epochs: 10, schedule: { ...DEFAULT_SCHEDULE, name: 'plateau', patience: 2, factor: 0.5 }, earlyStoppingPatience: 3 });
    const history = [record(1, 0.999, 2), record(2, 0.2, 4)];
    const saved: Progress = { epoch: 2, batchInEpoch: 0, step: 4, history, bestDice: 0.999, bestEpoch: 1, learningRate: 1e-3, plateauMultiplier: 1 };
    const { recorded, hooks, bind } = recorder();
    const trainer = bind(makeTrainer(cfg, data(), hooks, saved));
    expect(await trainer.run()).toBe('early-stopped');
    expect(trainer.progress.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // The same Dice sequence, decided without an interruption.
    const uninterrupted = new EpochDecisions(cfg);
    const decided = trainer.progress.history.map((e) => ({ ...uninterrupted.endEpoch(e.epoch - 1, e.dice), multiplier: uninterrupted.plateauMultiplier }));
    expect(decided.slice(2).map((d) => [d.lowered, d.stop, d.multiplier])).toEqual([
      [true, false, 0.5],
      [false, true, 0.5],
    ]);
    expect(trainer.progress.plateauMultiplier).toBe(0.5);
    // Epoch 3 (steps 5, 6) ran at the base rate; the lowered rate applies from epoch 4 (steps 7, 8).
    expect(recorded.steps.map((s) => [s.step, s.learningRate])).toEqual([
      [5, 1e-3],
      [6, 1e-3],
      [7, 5e-4],
      [8, 5e-4],
    ]);
    expect(recorded.checkpoints.filter((c) => c.kind === 'best')).toHaveLength(0);
    dispose(trainer);
  });
});

describe('a finished run opened again', () => {
  it('trains nothing and draws its predictions once, at the epoch it ended on', async () => {
    const history = [record(1, 0.4, 4), record(2, 0.5, 8)];
    const saved: Progress = { epoch: 2, batchInEpoch: 0, step: 8, history, bestDice: 0.5, bestEpoch: 2, learningRate: 1e-3, plateauMultiplier: 1 };
    const { recorded, hooks, bind } = recorder();
    const trainer = bind(makeTrainer(config({ epochs: 2, overlayEvery: 5 }), data(), hooks, saved));
    expect(await trainer.run()).toBe('done');
    expect(recorded.steps).toHaveLength(0);
    expect(recorded.overlays).toEqual([{ epoch: 2, count: 3, size: H * W }]);
    dispose(trainer);
  });
});

describe('a paused Trainer', () => {
  it('draws overlays on request while paused, not at resume', async () => {
    const { recorded, hooks, bind } = recorder((step, trainer) => step === 1 && trainer().pause());
    // overlayEvery 5 with 1 epoch: the only overlays are the requested ones.
    const trainer = bind(makeTrainer(config({ epochs: 1, batchSize: 2, overlayEvery: 5 }), data(), hooks));
    const running = trainer.run();
    await until(() => recorded.statuses.includes('paused/user: Paused'), 'the pause');
    trainer.requestOverlays();
    await until(() => recorded.overlays.length === 1, 'overlays while paused', 10_000);
    expect(recorded.overlays).toEqual([{ epoch: 0, count: 3, size: H * W }]);
    expect(recorded.steps).toHaveLength(1); // still paused: nothing trained
    trainer.resume();
    expect(await running).toBe('done');
    expect(recorded.steps).toHaveLength(4);
    expect(recorded.overlays).toHaveLength(1); // served once, not again at resume
    dispose(trainer);
  });
});

describe('a learning-rate change mid-run', () => {
  it('SGD without momentum: the next update is -newRate * gradient of that batch', async () => {
    const cfg = config({ epochs: 1, batchSize: 2, optimizer: { name: 'sgd', learningRate: 1e-3, momentum: 0 } });
    const newRate = 0.5;
    let before: tf.Tensor[] = [];
    let trainableBefore: tf.Tensor[] = [];
    let trainableAfter: tf.Tensor[] = [];
    const { hooks, bind } = recorder((step, trainer) => {
      const model = trainer().model;
      if (step === 2) {
        trainer().update({ learningRate: newRate });
        before = model.getWeights().map((w) => w.clone());
        trainableBefore = model.trainableWeights.map((w) => w.read().clone());
      }
      if (step === 3) trainableAfter = model.trainableWeights.map((w) => w.read().clone());
    });
    const d = data();
    const trainer = bind(makeTrainer(cfg, d, hooks));
    await trainer.run();

    // Step 3 is the third batch of epoch 0 (augmentation is off); its gradient at the weights
    // before step 3, on a copy of the model, without any optimizer.
    const copy = buildPreset('tiny', { height: H, width: W });
    copy.setWeights(before);
    const batch = makeBatch(d.train, chunk(epochOrder(d.train.count, cfg.seed, 0), cfg.batchSize)[2]);
    const variables = trainableVariables(copy);
    const { value, grads } = tf.variableGrads(() => hybridLoss(copy.apply(batch.x, { training: true }) as tf.Tensor, batch.y, cfg.loss), variables);
    const relativeError = tf.tidy(() => {
      const expected = tf.concat(variables.map((v) => grads[v.name].flatten().mul(-newRate)));
      const update = tf.concat(trainableAfter.map((a, i) => a.sub(trainableBefore[i]).flatten()));
      return tf.norm(update.sub(expected)).div(tf.norm(expected));
    });
    const error = (await relativeError.data())[0];
    // float32 rounding of each updated weight (~6e-8 for weights near 1) sets the floor: ~3e-6 here.
    expect(error).toBeLessThan(1e-5);
    tf.dispose([relativeError, value, batch.x, batch.y, ...Object.values(grads), ...before, ...trainableBefore, ...trainableAfter]);
    copy.dispose();
    dispose(trainer);
  });
});

describe('an aborted Trainer', () => {
  it('throws the abort reason at the next step (a lost GPU device)', async () => {
    const lost = new Error('The WebGPU device was lost');
    const { recorded, hooks, bind } = recorder((step, trainer) => step === 2 && trainer().abort(lost));
    const trainer = bind(makeTrainer(config({ epochs: 1, batchSize: 2 }), data(), hooks));
    await expect(trainer.run()).rejects.toBe(lost);
    expect(recorded.steps).toHaveLength(2);
    dispose(trainer);
  });
});
