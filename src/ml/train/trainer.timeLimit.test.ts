import { describe, expect, it } from 'vitest';
import { restoreOptimizer, restoreWeights } from '../io/checkpoint';
import { buildPreset } from '../model/build';
import { TimeLimit } from './timeLimit';
import { Trainer } from './trainer';
import { config, data, dispose, H, makeTrainer, recorder, W } from './trainer.fixtures';

describe('the time limit', () => {
  it('counts training, not the waits of a pause, and the epochs of earlier sessions', () => {
    let now = 1000;
    const limit = new TimeLimit(1, 20, () => now); // 1 min, 20 s used before
    now += 30_000;
    expect(limit.spentSeconds).toBeCloseTo(50, 9);
    const pausedAt = now;
    now += 600_000; // ten minutes paused
    limit.excludeSince(pausedAt);
    expect(limit.leftSeconds).toBeCloseTo(10, 9);
    expect(limit.reached).toBe(false);
    now += 10_000;
    expect([limit.leftSeconds, limit.reached]).toEqual([0, true]);
    expect(new TimeLimit(undefined, 1e9, () => now).leftSeconds).toBe(Infinity);
    // A PyTorch job's epochs were not trained against the limit.
    const epoch = { epoch: 1, step: 1, trainLoss: 0, valLoss: 0, learningRate: 0, imagesPerSecond: 0, dice: 0, iou: 0, precision: 0, recall: 0, accuracy: 0 };
    expect(
      TimeLimit.spentIn([
        { ...epoch, seconds: 7 },
        { ...epoch, seconds: 3, origin: 'studio' },
        { ...epoch, seconds: 100, origin: 'torch' },
      ]),
    ).toBe(10);
  });
});

describe('Trainer with a time limit and a warm-up schedule', () => {
  it('ends as done at the first step after the limit, keeping a checkpoint where it stands', async () => {
    let started = 0;
    const { recorded, hooks, bind } = recorder((step) => {
      // Step 2 takes the run past its 3 s limit (a busy wait: the steps before it take well under that).
      if (step === 2) while (performance.now() - started < 3100);
    });
    const trainer = bind(makeTrainer(config({ epochs: 1, batchSize: 1, timeLimitMinutes: 0.05 }), data(8, 2, 2), hooks));
    started = performance.now();
    expect(await trainer.run()).toBe('done');
    expect(recorded.steps.map((s) => s.step)).toEqual([1, 2]); // of the epoch's 8
    const last = recorded.checkpoints[recorded.checkpoints.length - 1];
    expect([last.kind, last.checkpoint.step]).toEqual(['latest', 2]);
    dispose(trainer);
  });

  it('gives a resumed run only what its earlier epochs left of the limit', async () => {
    const d = data();
    const first = recorder();
    const a = first.bind(makeTrainer(config({ epochs: 1 }), d, first.hooks));
    await a.run();
    const saved = first.recorded.checkpoints.find((c) => c.kind === 'latest')!;
    dispose(a);
    const resumeWith = async (timeLimitMinutes: number) => {
      const model = buildPreset('tiny', { height: H, width: W });
      await restoreWeights(model, saved.checkpoint);
      const optimizer = (await restoreOptimizer(saved.checkpoint, model))!;
      const second = recorder();
      const b = second.bind(new Trainer(model, optimizer, config({ epochs: 2, timeLimitMinutes }), d, second.hooks, saved.progress));
      const outcome = await b.run();
      dispose(b);
      return { outcome, steps: second.recorded.steps.length };
    };
    const used = saved.progress.history[0].seconds;
    // Half of what epoch 1 took: nothing is left, so no step trains; ten times it: epoch 2 trains whole (2 steps).
    expect(await resumeWith(used / 2 / 60)).toEqual({ outcome: 'done', steps: 0 });
    expect(await resumeWith((used * 10) / 60 + 1)).toEqual({ outcome: 'done', steps: 2 });
  });

  it('warms the rate up linearly, then follows the cosine over the steps left (rates by hand)', async () => {
    const { recorded, hooks, bind } = recorder();
    // 8 pairs, batch 2, 2 epochs: 8 steps; warm-up 25%: 2 steps, then the cosine over 6 steps.
    const schedule = { name: 'warmup-cosine' as const, minFactor: 0.01, patience: 2, factor: 0.5, warmupFraction: 0.25 };
    const trainer = bind(makeTrainer(config({ epochs: 2, batchSize: 2, schedule }), data(), hooks));
    await trainer.run();
    // base 1e-3: warm-up 1e-3 * 1/2, 1e-3 * 2/2; then 1e-5 + 9.9e-4 * (1 + cos(pi j / 5)) / 2 for j = 0..5:
    // cos 0 = 1, cos 36 deg = 0.809017, cos 72 = 0.309017, cos 108 = -0.309017, cos 144 = -0.809017, cos 180 = -1.
    const byHand = [5e-4, 1e-3, 1e-3, 9.05463e-4, 6.579634e-4, 3.520366e-4, 1.045366e-4, 1e-5];
    expect(recorded.steps.map((s) => s.learningRate)).toEqual(byHand.map((rate) => expect.closeTo(rate, 9)));
    dispose(trainer);
  });

  it("spans the schedule's own steps when it has them (a budgeted run), then stays at the floor (rates by hand)", async () => {
    const { recorded, hooks, bind } = recorder();
    // 8 steps as above, the schedule over 5: warm-up round(5 * 0.2) = 1 step, then the cosine over 4 steps.
    const schedule = { name: 'warmup-cosine' as const, minFactor: 0.01, patience: 2, factor: 0.5, warmupFraction: 0.2, totalSteps: 5 };
    const trainer = bind(makeTrainer(config({ epochs: 2, batchSize: 2, schedule }), data(), hooks));
    await trainer.run();
    // 1e-3 * 1/1; then 1e-5 + 9.9e-4 * (1 + cos(pi j / 3)) / 2 for j = 0..3 (cos 60 deg = 0.5, cos 120 = -0.5); then 1e-5.
    const byHand = [1e-3, 1e-3, 7.525e-4, 2.575e-4, 1e-5, 1e-5, 1e-5, 1e-5];
    expect(recorded.steps.map((s) => s.learningRate)).toEqual(byHand.map((rate) => expect.closeTo(rate, 9)));
    dispose(trainer);
  });
});
