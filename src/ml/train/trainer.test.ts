import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { restoreOptimizer, restoreWeights } from '../io/checkpoint';
import { buildPreset } from '../model/build';
import { Trainer } from './trainer';
import { config, data, dispose, H, makeTrainer, recorder, W } from './trainer.fixtures';

describe('Trainer', () => {
  it('runs epochs with val metrics, overlays and checkpoints', async () => {
    const { recorded, hooks, bind } = recorder();
    const trainer = bind(makeTrainer(config(), data(), hooks));
    expect(await trainer.run()).toBe('done');
    expect(recorded.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]); // 8 pairs / batch 4 x 2 epochs
    expect(recorded.epochs.map((e) => [e.epoch, e.step])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    for (const e of recorded.epochs) {
      expect(e.trainLoss).toBeCloseTo((recorded.steps[e.step - 2].loss + recorded.steps[e.step - 1].loss) / 2, 6);
      expect(e.dice).toBeGreaterThanOrEqual(0);
      expect(e.dice).toBeLessThanOrEqual(1);
    }
    expect(recorded.overlays).toEqual([
      { epoch: 1, count: 3, size: H * W },
      { epoch: 2, count: 3, size: H * W },
    ]);
    expect(recorded.checkpoints.filter((c) => c.kind === 'latest').map((c) => c.progress.epoch)).toEqual([1, 2]);
    expect(recorded.checkpoints.filter((c) => c.kind === 'best').length).toBeGreaterThanOrEqual(1);
    const test = await trainer.test();
    expect(test.perImage).toHaveLength(4);
    expect(test.mean.dice).toBeCloseTo(test.perImage.reduce((s, m) => s + m.dice, 0) / 4, 10);
    expect(test.threshold).toBe(0.5);
    // A higher threshold calls fewer pixels car: no image's recall can rise (TP falls, TP + FN is fixed).
    const strict = await trainer.test(0.9);
    expect(strict.threshold).toBe(0.9);
    strict.perImage.forEach((m, i) => expect(m.recall).toBeLessThanOrEqual(test.perImage[i].recall));
    dispose(trainer);
  });

  it('applies a learning-rate change at the next step and records it with that step', async () => {
    const { recorded, hooks, bind } = recorder((step, trainer) => step === 2 && trainer().update({ learningRate: 0.0123 }));
    const trainer = bind(makeTrainer(config({ epochs: 1, batchSize: 2 }), data(), hooks));
    await trainer.run();
    expect(recorded.steps.map((s) => s.learningRate)).toEqual([1e-3, 1e-3, 0.0123, 0.0123]);
    expect(recorded.changes).toEqual([{ step: 3, epoch: 0, field: 'learningRate', from: 1e-3, to: 0.0123 }]);
    expect((trainer.optimizer as unknown as { learningRate: number }).learningRate).toBe(0.0123);
    dispose(trainer);
  });

  it('pauses, resumes where it was, and stops keeping a checkpoint', async () => {
    let resumeAt = 0;
    const { recorded, hooks, bind } = recorder((step, trainer) => {
      if (step === 1) {
        trainer().pause();
        resumeAt = recorded.statuses.length;
        setTimeout(() => trainer().resume(), 50);
      }
      if (step === 3) trainer().stop();
    });
    const trainer = bind(makeTrainer(config({ epochs: 3, batchSize: 2 }), data(), hooks));
    expect(await trainer.run()).toBe('stopped');
    expect(recorded.statuses.slice(resumeAt)).toContain('paused/user: Paused');
    expect(recorded.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    const last = recorded.checkpoints[recorded.checkpoints.length - 1];
    expect([last.kind, last.progress.step, last.checkpoint.step]).toEqual(['latest', 3, 3]);
    dispose(trainer);
  });

  it('pauses on a NaN loss with a message and puts back the last good weights', async () => {
    // SGD at 1e30 overflows the weights within a step or two.
    const cfg = config({ epochs: 3, batchSize: 4, optimizer: { name: 'sgd', learningRate: 1e-3, momentum: 0 } });
    const { recorded, hooks, bind } = recorder((step, trainer) => step === 2 && trainer().update({ learningRate: 1e30 }));
    const trainer = bind(makeTrainer(cfg, data(), hooks));
    expect(await trainer.run()).toBe('nan');
    expect(recorded.statuses[recorded.statuses.length - 1]).toMatch(
      /^paused\/nan: The loss became (NaN|Infinity).*last good checkpoint \(epoch 1\).*Lower the learning rate/,
    );
    const good = recorded.checkpoints.find((c) => c.kind === 'latest' && c.progress.epoch === 1)!.checkpoint;
    const flat = tf.tidy(() => tf.concat(trainer.model.getWeights().map((w) => w.flatten())));
    const now = (await flat.data()) as Float32Array;
    flat.dispose();
    expect(Array.from(now).every(Number.isFinite)).toBe(true);
    expect(Array.from(now.subarray(0, 16))).toEqual(Array.from(new Float32Array(good.weights, 0, 16)));
    expect(trainer.progress.step).toBe(2);
    dispose(trainer);
  });

  it('resumes from a checkpoint and its progress with the history intact', async () => {
    const d = data();
    const first = recorder();
    const a = first.bind(makeTrainer(config({ epochs: 1 }), d, first.hooks));
    await a.run();
    const saved = first.recorded.checkpoints.find((c) => c.kind === 'latest')!;
    dispose(a);

    const second = recorder();
    const model = buildPreset('tiny', { height: H, width: W });
    await restoreWeights(model, saved.checkpoint);
    const optimizer = (await restoreOptimizer(saved.checkpoint, model))!;
    const b = second.bind(new Trainer(model, optimizer, config({ epochs: 3 }), d, second.hooks, saved.progress));
    await b.run();
    expect(b.progress.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(second.recorded.steps[0].step).toBe(3);
    dispose(b);
  });

  it('keeps tf.memory().numTensors flat from step 10 to step 200', async () => {
    const { recorded, hooks, bind } = recorder();
    const trainer = bind(
      makeTrainer(config({ epochs: 100, batchSize: 4, augment: { flip: true, colour: true, shiftScale: true }, overlayEvery: 10 }), data(8, 2, 2), hooks),
    );
    await trainer.run();
    expect(recorded.numTensors).toHaveLength(200);
    expect(recorded.numTensors[199]).toBe(recorded.numTensors[9]);
    dispose(trainer);
  });
});

describe('Trainer and the event loop', () => {
  it('lets a stop sent from another task stop the run at the next step, not the end of the epoch', async () => {
    const { recorded, hooks, bind } = recorder((step, trainer) => {
      // As a worker message would arrive: a macrotask, not a call inside the step.
      if (step === 2) setTimeout(() => trainer().stop(), 0);
    });
    const trainer = bind(makeTrainer(config({ epochs: 1, batchSize: 1 }), data(8, 2, 2), hooks));
    expect(await trainer.run()).toBe('stopped');
    expect(recorded.steps.length).toBeLessThanOrEqual(3); // 8 steps in the epoch
    dispose(trainer);
  });
});
