import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_BYTES } from '../data/ingest';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import {
  crossCheck,
  liveUpdateOf,
  DEFAULT_SETTINGS,
  parseSetting,
  SETTINGS,
  settingDef,
  settingsFromQuery,
  settingsToConfig,
  settingsToQuery,
  splitRatiosOf,
  type SettingKey,
  type Settings,
} from '.';
import type { LiveSettings } from '../ml/train/config';

describe('settings schema', () => {
  it('declares every setting once, with a default that passes its own validation', () => {
    const keys = SETTINGS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(SETTINGS.map((s) => s.param)).size).toBe(keys.length);
    expect(keys.sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
    for (const def of SETTINGS) expect(parseSetting(def, DEFAULT_SETTINGS[def.key])).toEqual({ ok: true, value: DEFAULT_SETTINGS[def.key] });
  });

  it('explains what is wrong with a bad value', () => {
    expect(parseSetting(settingDef('batchSize'), '2.5')).toEqual({ ok: false, error: 'Batch size must be a whole number.' });
    expect(parseSetting(settingDef('learningRate'), '1e31')).toEqual({ ok: false, error: 'Learning rate must be between 0.000001 and 1e+30.' });
    expect(parseSetting(settingDef('learningRate'), 'fast')).toEqual({ ok: false, error: 'Learning rate must be a number.' });
    // An empty Width means the model's own (0); an empty rate is no rate.
    expect(parseSetting(settingDef('base'), ' ')).toEqual({ ok: true, value: 0 });
    expect(parseSetting(settingDef('learningRate'), '')).toEqual({ ok: false, error: 'Learning rate must be a number.' });
    expect(parseSetting(settingDef('preset'), 'resnet')).toEqual({ ok: false, error: 'Model must be one of seed-unet, unet, transunet, tiny.' });
    expect(parseSetting(settingDef('flip'), 'maybe')).toEqual({ ok: false, error: 'Horizontal flip must be on or off.' });
  });

  it('round-trips through the URL, writing only what differs from the defaults', () => {
    const changed: Settings = { ...DEFAULT_SETTINGS, preset: 'transunet', learningRate: 0.0005, flip: false, size: '128x192' };
    const query = settingsToQuery(changed);
    expect(query).toBe('model=transunet&size=128x192&lr=0.0005&flip=0');
    expect(settingsFromQuery(query)).toEqual({ settings: changed, errors: [] });
    expect(settingsToQuery(DEFAULT_SETTINGS)).toBe('');
  });

  it('keeps good URL entries and explains the bad ones', () => {
    const { settings, errors } = settingsFromQuery('lr=0.01&batch=zero&model=unet');
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, learningRate: 0.01, preset: 'unet' });
    expect(errors).toEqual(['Ignored batch=zero: Batch size must be a number.']);
  });

  it('turns settings into a training config', () => {
    const config = settingsToConfig({ ...DEFAULT_SETTINGS, size: '128x192', lossFocal: 0.5, schedule: 'cosine' });
    expect(config).toMatchObject({
      preset: 'tiny',
      height: 128,
      width: 192,
      optimizer: { name: 'adam', learningRate: 3e-3, momentum: 0.9 },
      loss: { bce: 0.2, dice: 0.8, focal: 0.5, focalGamma: 2 },
      augment: { flip: true, colour: true, shiftScale: true },
      schedule: { name: 'cosine' },
    });
    // Width 0 keeps the preset's own (no override); any other width goes into the model.
    expect('base' in config).toBe(false);
    expect(settingsToConfig({ ...DEFAULT_SETTINGS, preset: 'transunet', base: 8 })).toMatchObject({ preset: 'transunet', base: 8 });
  });

  it("holds the engine and data settings too, with defaults equal to the loader's", () => {
    expect(DEFAULT_SETTINGS.budgetMiB * 1024 ** 2).toBe(DEFAULT_BUDGET_BYTES);
    expect(splitRatiosOf(DEFAULT_SETTINGS)).toEqual(DEFAULT_SPLIT_RATIOS);
    // wasmThreads 0: auto measures the counts (src/worker/engine.ts), leaving the page a core.
    expect(DEFAULT_SETTINGS).toMatchObject({ backend: 'auto', wasmThreads: 0, splitSeed: 1 });
    expect(parseSetting(settingDef('backend'), 'tpu')).toEqual({ ok: false, error: 'Backend must be one of auto, webgpu, webgl, wasm, cpu.' });
    expect(parseSetting(settingDef('wasmThreads'), '-1')).toEqual({ ok: false, error: 'wasm threads must be between 0 and 64.' });
  });

  it('round-trips engine and data settings through the URL and the saved text, keeping the old ?backend=&threads= links', () => {
    const changed: Settings = {
      ...DEFAULT_SETTINGS,
      backend: 'wasm',
      wasmThreads: 2,
      splitTrain: 70,
      splitVal: 15,
      splitTest: 15,
      splitSeed: 7,
      budgetMiB: 512,
    };
    const query = settingsToQuery(changed);
    expect(query).toBe('backend=wasm&threads=2&train=70&val=15&test=15&splitSeed=7&budget=512');
    expect(settingsFromQuery(query)).toEqual({ settings: changed, errors: [] });
    // What the page saves in localStorage is this same query; reading it back then applying a
    // shared URL on top keeps the saved values the URL does not name.
    const saved = settingsFromQuery(query).settings;
    expect(settingsFromQuery('?threads=1&lr=0.01', saved)).toEqual({ settings: { ...changed, wasmThreads: 1, learningRate: 0.01 }, errors: [] });
  });

  it('drops a split that does not add up to 100, whole, and says why', () => {
    expect(crossCheck({ ...DEFAULT_SETTINGS, splitTrain: 70 })).toBe("The split's percentages must add up to 100 (train 70 + val 10 + test 10 = 90).");
    const { settings, errors } = settingsFromQuery('train=70&val=20&test=20&splitSeed=3');
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, splitSeed: 3 });
    expect(errors).toEqual(["Ignored the split: The split's percentages must add up to 100 (train 70 + val 20 + test 20 = 110)."]);
  });
});

describe('live settings', () => {
  it('sends a live run exactly the live setting the table names, as the new settings make it', () => {
    const liveDefs = SETTINGS.filter((def) => def.live !== false);
    expect(liveDefs.map((def) => def.key)).toEqual([
      'learningRate',
      'lossBce',
      'lossDice',
      'lossFocal',
      'flip',
      'colour',
      'shiftScale',
      'overlayEvery',
      'threshold',
    ]);
    // Each change checked against a value written out by hand, not derived from the code under test.
    const changed: Array<[SettingKey, Settings[SettingKey], Partial<LiveSettings>]> = [
      ['learningRate', 0.01, { learningRate: 0.01 }],
      ['lossBce', 0.5, { loss: { bce: 0.5, dice: 0.8, focal: 0, focalGamma: 2 } }],
      ['lossDice', 0.3, { loss: { bce: 0.2, dice: 0.3, focal: 0, focalGamma: 2 } }],
      ['lossFocal', 1, { loss: { bce: 0.2, dice: 0.8, focal: 1, focalGamma: 2 } }],
      ['flip', false, { augment: { flip: false, colour: true, shiftScale: true } }],
      ['colour', false, { augment: { flip: true, colour: false, shiftScale: true } }],
      ['shiftScale', false, { augment: { flip: true, colour: true, shiftScale: false } }],
      ['overlayEvery', 3, { overlayEvery: 3 }],
      ['threshold', 0.7, { threshold: 0.7 }],
    ];
    for (const [key, value, expected] of changed) expect(liveUpdateOf({ ...DEFAULT_SETTINGS, [key]: value }, key)).toEqual(expected);
  });

  it('sends nothing for a setting that is locked during a run', () => {
    for (const def of SETTINGS.filter((d) => d.live === false)) expect(liveUpdateOf(DEFAULT_SETTINGS, def.key)).toBeNull();
  });

  it('derives the defaults from the table entries', () => {
    for (const def of SETTINGS) expect(DEFAULT_SETTINGS[def.key]).toBe(def.default);
    expect(DEFAULT_SETTINGS).toMatchObject({ preset: 'tiny', size: '64x96', learningRate: 3e-3, splitTrain: 80, splitVal: 10, splitTest: 10, budgetMiB: 1024 });
  });
});
