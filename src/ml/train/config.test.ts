import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, withChanges, withLiveSetting, withMoreEpochs, type ConfigChange } from './config';

describe('live settings in the config', () => {
  it('a changed rate becomes the optimizer base rate; other fields are replaced, the input untouched', () => {
    const lr = withLiveSetting(DEFAULT_TRAIN_CONFIG, 'learningRate', 5e-4);
    expect(lr.optimizer).toEqual({ ...DEFAULT_TRAIN_CONFIG.optimizer, learningRate: 5e-4 });
    const augment = { flip: false, colour: true, shiftScale: false };
    expect(withLiveSetting(DEFAULT_TRAIN_CONFIG, 'augment', augment).augment).toEqual(augment);
    expect(DEFAULT_TRAIN_CONFIG.optimizer.learningRate).toBe(1e-3);
    expect(DEFAULT_TRAIN_CONFIG.augment).toEqual({ flip: true, colour: true, shiftScale: true });
  });

  it("replays a record's changes in order, the last of each field winning", () => {
    const change = (step: number, field: ConfigChange['field'], from: unknown, to: unknown): ConfigChange => ({ step, epoch: 0, field, from, to });
    const config = withChanges(DEFAULT_TRAIN_CONFIG, [
      change(3, 'learningRate', 1e-3, 1e30),
      change(5, 'overlayEvery', 1, 3),
      change(9, 'learningRate', 1e30, 2e-4),
    ]);
    expect([config.optimizer.learningRate, config.overlayEvery, config.threshold]).toEqual([2e-4, 3, 0.5]);
  });
});

describe('a run continued for more epochs', () => {
  it("drops a guided run's time limit and schedule span, so the new epochs are not cut short nor all at the floor rate", () => {
    const base = DEFAULT_TRAIN_CONFIG;
    const guided = { ...base, epochs: 13, timeLimitMinutes: 10, schedule: { ...base.schedule, name: 'warmup-cosine' as const, totalSteps: 801 } };
    const more = withMoreEpochs(guided, 7, 5);
    expect(more.epochs).toBe(12);
    expect(more.timeLimitMinutes).toBeUndefined();
    expect(more.schedule).toEqual({ ...base.schedule, name: 'warmup-cosine' });
    expect(guided.schedule.totalSteps).toBe(801); // the stored config is left as it was
  });
});
