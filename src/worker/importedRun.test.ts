import { describe, expect, it } from 'vitest';
import { buildPreset } from '../ml/model/build';
import { DEFAULT_TRAIN_CONFIG } from '../ml/train/config';
import { importedRun } from './importedRun';

const model = buildPreset('tiny', { height: 16, width: 32 });
const config = { ...DEFAULT_TRAIN_CONFIG, preset: 'tiny', height: 16, width: 32, epochs: 5 };
const record = (epoch: number, dice: number | null) => ({
  epoch,
  step: epoch * 3,
  trainLoss: 0.5,
  valLoss: 0.4,
  dice,
  iou: 0.5,
  precision: 0.5,
  recall: 0.5,
  accuracy: 0.9,
  learningRate: 1e-3,
  seconds: 1,
  imagesPerSecond: 9,
});

describe('importedRun', () => {
  it('takes the config and the history up to the exported epoch, and resumes after it', () => {
    const json = { name: 'cars', config, history: [record(1, 0.5), record(2, 0.7), record(3, 0.6)], exported: { which: 'best', epoch: 2, step: 6 } };
    const result = importedRun(json, model, 1000);
    if (!result.ok) throw new Error(result.reason);
    expect(result.run.name).toBe('cars (imported)');
    expect(result.run.config).toEqual(config);
    expect(result.run.history.map((e) => e.epoch)).toEqual([1, 2]);
    expect(result.run.best).toEqual({ epoch: 2, dice: 0.7 });
    expect(result.run.dataset).toBeNull();
    expect([result.progress.epoch, result.progress.step, result.progress.batchInEpoch]).toEqual([2, 6, 0]);
  });

  it('reads a JSON null (a NaN when written) back as NaN and stops the history at a malformed record', () => {
    const json = { config, history: [record(1, null), record(2, 0.7), { epoch: 3, dice: 'high' }, record(4, 0.9)] };
    const result = importedRun(json, model, 1000);
    if (!result.ok) throw new Error(result.reason);
    expect(result.run.history.map((e) => [e.epoch, e.dice])).toEqual([
      [1, NaN],
      [2, 0.7],
    ]);
  });

  it('keeps where each epoch was trained (the studio or PyTorch), and nothing else unknown', () => {
    const json = {
      config,
      history: [
        { ...record(1, 0.5), origin: 'studio' },
        { ...record(2, 0.7), origin: 'torch' },
        { ...record(3, 0.8), origin: 'mars' },
      ],
    };
    const result = importedRun(json, model, 1000);
    if (!result.ok) throw new Error(result.reason);
    expect(result.run.history.map((e) => e.origin)).toEqual(['studio', 'torch', undefined]);
  });

  it('fills settings an older export lacks from the defaults', () => {
    const { augment: _augment, ...older } = config;
    const result = importedRun({ config: { ...older, loss: { bce: 1 } } }, model, 1000);
    if (!result.ok) throw new Error(result.reason);
    expect(result.run.config.augment).toEqual(DEFAULT_TRAIN_CONFIG.augment);
    expect(result.run.config.loss).toEqual({ ...DEFAULT_TRAIN_CONFIG.loss, bce: 1 });
  });

  it.each([
    ['not an object', [1, 2], /run.json is not an object/],
    ['no config', { history: [] }, /it has no config/],
    ['another preset', { config: { ...config, preset: 'unet' } }, /preset "unet" is not the model's \(tiny\)/],
    ['another size', { config: { ...config, height: 32 } }, /size 32x32 is not the model's 16x32/],
    ['a fractional batch', { config: { ...config, batchSize: 2.5 } }, /batch size and epochs must be positive whole numbers/],
    [
      'an unknown optimizer',
      { config: { ...config, optimizer: { name: 'adabound', learningRate: 1e-3, momentum: 0 } } },
      /optimizer is not one the studio has/,
    ],
  ])('refuses a run.json with %s, saying why', (_, json, reason) => {
    const result = importedRun(json, model, 1000);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});
