/** What the settings mean to the engine: a training config, the live update of one setting, the loader's options. */
import type { SplitRatios } from '../data/split';
import { liveValueOf, type LiveSettings, type TrainConfig } from '../ml/train/config';
import { settingDef, type SettingKey, type Settings } from './schema';

/** Rules across settings: the split's percentages must add up to 100. Null when all is well. */
export function crossCheck(settings: Settings): string | null {
  const sum = settings.splitTrain + settings.splitVal + settings.splitTest;
  return Math.abs(sum - 100) < 1e-9
    ? null
    : `The split's percentages must add up to 100 (train ${settings.splitTrain} + val ${settings.splitVal} + test ${settings.splitTest} = ${sum}).`;
}

/** The split ratios (fractions) the percentages stand for. */
export function splitRatiosOf(settings: Settings): SplitRatios {
  return { train: settings.splitTrain / 100, val: settings.splitVal / 100, test: settings.splitTest / 100 };
}

export function parseSize(size: string): { height: number; width: number } {
  const [height, width] = size.split('x').map(Number);
  return { height, width };
}

export function settingsToConfig(settings: Settings): TrainConfig {
  const { height, width } = parseSize(settings.size);
  return {
    preset: settings.preset,
    height,
    width,
    ...(settings.base > 0 && { base: settings.base }),
    batchSize: settings.batchSize,
    epochs: settings.epochs,
    optimizer: { name: settings.optimizer, learningRate: settings.learningRate, momentum: settings.momentum },
    loss: { bce: settings.lossBce, dice: settings.lossDice, focal: settings.lossFocal, focalGamma: 2 },
    augment: { flip: settings.flip, colour: settings.colour, shiftScale: settings.shiftScale },
    schedule: { name: settings.schedule, minFactor: 0.01, patience: 2, factor: 0.5 },
    earlyStoppingPatience: settings.earlyStopping,
    overlayEvery: settings.overlayEvery,
    overlayCount: 6,
    threshold: settings.threshold,
    seed: settings.seed,
  };
}

/**
 * What a live run is sent when `key` changes: the one live setting the table names for it, as the
 * new settings make it (the three loss weights travel together as `loss`). Null for a locked setting.
 */
export function liveUpdateOf(settings: Settings, key: SettingKey): Partial<LiveSettings> | null {
  const { live } = settingDef(key);
  if (!live) return null;
  return { [live]: liveValueOf(settingsToConfig(settings), live) };
}
