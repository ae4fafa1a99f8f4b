import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  parseSetting,
  SETTINGS,
  settingDef,
  settingsFromQuery,
  settingsToConfig,
  settingsToQuery,
  type Settings,
} from './settings';

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
  });
});
