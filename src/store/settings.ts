/**
 * One declared schema for every setting (as TensorFlow Playground does): it drives the form, its
 * validation messages, saving to localStorage and the shareable URL. Pure: no React, no DOM.
 */
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { PRESET_NAMES, type PresetName } from '../ml/model/presets';
import type { TrainConfig } from '../ml/train/config';
import { OPTIMIZER_NAMES, type OptimizerName } from '../ml/train/optimizerNames';
import { SCHEDULE_NAMES, type ScheduleName } from '../ml/train/schedule';

export interface Settings {
  preset: PresetName;
  size: string;
  batchSize: number;
  epochs: number;
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  lossBce: number;
  lossDice: number;
  lossFocal: number;
  flip: boolean;
  colour: boolean;
  shiftScale: boolean;
  schedule: ScheduleName;
  earlyStopping: number;
  overlayEvery: number;
  threshold: number;
  seed: number;
  /** The engine: which tfjs backend, and how many XNNPACK threads wasm starts with. */
  backend: BackendPreference;
  wasmThreads: number;
  /** The data: split percentages by car (they must add up to 100), the split's seed, the memory budget. */
  splitTrain: number;
  splitVal: number;
  splitTest: number;
  splitSeed: number;
  budgetMiB: number;
}

export type SettingKey = keyof Settings;
type Value = Settings[SettingKey];

interface Base<K extends SettingKey> {
  key: K;
  label: string;
  help: string;
  /** Can change while a run is live (applies at the next step); otherwise locked during a run. */
  live: boolean;
  /** The settings form shows the first five; Engine and Data have controls in their own panels. */
  group: 'Model' | 'Optimizer' | 'Loss' | 'Augmentation' | 'Run' | 'Engine' | 'Data';
  /** Short name in the shareable URL. */
  param: string;
}
export type SettingDef =
  | (Base<SettingKey> & { kind: 'number'; min: number; max: number; step: number; integer: boolean; log?: boolean })
  | (Base<SettingKey> & { kind: 'select'; options: readonly string[] })
  | (Base<SettingKey> & { kind: 'boolean' });

export const TRAINING_SIZES = ['32x48', '64x96', '128x192', '256x384', '256x256'] as const;

export const BACKEND_OPTIONS = ['auto', ...BACKEND_NAMES] as const;

export const SETTINGS: readonly SettingDef[] = [
  { key: 'preset', label: 'Model', kind: 'select', options: PRESET_NAMES, live: false, group: 'Model', param: 'model', help: 'tiny trains in seconds; transunet is the real TransUNet; seed-unet and unet are the 17M-parameter baselines.' },
  { key: 'size', label: 'Input size (H x W)', kind: 'select', options: TRAINING_SIZES, live: false, group: 'Model', param: 'size', help: 'Images are decoded at this size. Carvana photos are 1.5:1, so 128x192 keeps their shape.' },
  { key: 'batchSize', label: 'Batch size', kind: 'number', min: 1, max: 64, step: 1, integer: true, live: false, group: 'Model', param: 'batch', help: 'Pairs per step. Larger batches need more memory.' },
  { key: 'epochs', label: 'Epochs', kind: 'number', min: 1, max: 1000, step: 1, integer: true, live: false, group: 'Run', param: 'epochs', help: 'Passes over the train split.' },
  { key: 'optimizer', label: 'Optimizer', kind: 'select', options: OPTIMIZER_NAMES, live: false, group: 'Optimizer', param: 'opt', help: 'Adam is the safe default; SGD uses heavy-ball momentum.' },
  { key: 'learningRate', label: 'Learning rate', kind: 'number', min: 1e-6, max: 1e30, step: 1e-4, integer: false, log: true, live: true, group: 'Optimizer', param: 'lr', help: 'Step size. Changes apply at the next step and are marked on the charts. A rate that is far too high makes the loss NaN: the run then pauses and goes back to its last good checkpoint.' },
  { key: 'momentum', label: 'Momentum', kind: 'number', min: 0, max: 0.999, step: 0.01, integer: false, live: false, group: 'Optimizer', param: 'mom', help: 'Momentum of SGD and RMSprop (Adam ignores it).' },
  { key: 'schedule', label: 'LR schedule', kind: 'select', options: SCHEDULE_NAMES, live: false, group: 'Optimizer', param: 'sched', help: 'constant; cosine decay to 1% over the run; plateau halves the rate after 2 epochs without a better validation Dice.' },
  { key: 'lossBce', label: 'BCE weight', kind: 'number', min: 0, max: 10, step: 0.05, integer: false, live: true, group: 'Loss', param: 'bce', help: 'Weight of binary cross-entropy on logits.' },
  { key: 'lossDice', label: 'Dice weight', kind: 'number', min: 0, max: 10, step: 0.05, integer: false, live: true, group: 'Loss', param: 'dice', help: 'Weight of (1 - soft Dice).' },
  { key: 'lossFocal', label: 'Focal weight', kind: 'number', min: 0, max: 10, step: 0.05, integer: false, live: true, group: 'Loss', param: 'focal', help: 'Weight of focal loss (gamma 2), for hard pixels at the edges.' },
  { key: 'flip', label: 'Horizontal flip', kind: 'boolean', live: true, group: 'Augmentation', param: 'flip', help: 'Mirror half of the pairs (image and mask together).' },
  { key: 'colour', label: 'Brightness / contrast', kind: 'boolean', live: true, group: 'Augmentation', param: 'colour', help: 'Brightness +-0.1 and contrast x0.8-1.2 (image only).' },
  { key: 'shiftScale', label: 'Shift / scale', kind: 'boolean', live: true, group: 'Augmentation', param: 'shift', help: 'Shift up to 6% and zoom 0.9-1.1 (image and mask together).' },
  { key: 'earlyStopping', label: 'Early stopping patience', kind: 'number', min: 0, max: 100, step: 1, integer: true, live: false, group: 'Run', param: 'patience', help: 'Stop after this many epochs without a better validation Dice (0 = never).' },
  { key: 'overlayEvery', label: 'Overlays every (epochs)', kind: 'number', min: 1, max: 100, step: 1, integer: true, live: true, group: 'Run', param: 'overlay', help: 'How often predictions on the tracked validation images are drawn.' },
  { key: 'threshold', label: 'Threshold', kind: 'number', min: 0.01, max: 0.99, step: 0.01, integer: false, live: true, group: 'Run', param: 'thr', help: 'Probability above which a pixel counts as car, for metrics and masks.' },
  { key: 'seed', label: 'Seed', kind: 'number', min: 0, max: 2 ** 31 - 1, step: 1, integer: true, live: false, group: 'Run', param: 'seed', help: 'Seeds the order of batches and the augmentation.' },
  { key: 'backend', label: 'Backend', kind: 'select', options: BACKEND_OPTIONS, live: false, group: 'Engine', param: 'backend', help: 'auto times the backends that start and keeps the fastest; the others force one.' },
  { key: 'wasmThreads', label: 'wasm threads', kind: 'number', min: 1, max: 64, step: 1, integer: true, live: false, group: 'Engine', param: 'threads', help: 'XNNPACK threads of the wasm backend, fixed when the engine first starts: changing it reloads the page.' },
  { key: 'splitTrain', label: 'train %', kind: 'number', min: 0, max: 100, step: 1, integer: false, live: false, group: 'Data', param: 'train', help: 'Share of the cars that train the model.' },
  { key: 'splitVal', label: 'val %', kind: 'number', min: 0, max: 100, step: 1, integer: false, live: false, group: 'Data', param: 'val', help: 'Share of the cars that score each epoch.' },
  { key: 'splitTest', label: 'test %', kind: 'number', min: 0, max: 100, step: 1, integer: false, live: false, group: 'Data', param: 'test', help: 'Share of the cars held out for the test table.' },
  { key: 'splitSeed', label: 'split seed', kind: 'number', min: 0, max: 2 ** 31 - 1, step: 1, integer: true, live: false, group: 'Data', param: 'splitSeed', help: 'Seeds which cars land in which split.' },
  { key: 'budgetMiB', label: 'Memory budget (MiB)', kind: 'number', min: 1, max: 1024 * 1024, step: 64, integer: true, live: false, group: 'Data', param: 'budget', help: 'A dataset whose decoded pixels need more than this is refused before decoding.' },
];

export const DEFAULT_SETTINGS: Settings = {
  preset: 'tiny',
  size: '64x96',
  batchSize: 4,
  epochs: 10,
  optimizer: 'adam',
  learningRate: 3e-3,
  momentum: 0.9,
  lossBce: 0.2,
  lossDice: 0.8,
  lossFocal: 0,
  flip: true,
  colour: true,
  shiftScale: true,
  schedule: 'constant',
  earlyStopping: 0,
  overlayEvery: 1,
  threshold: 0.5,
  seed: 1,
  backend: 'auto',
  wasmThreads: 1,
  splitTrain: 80,
  splitVal: 10,
  splitTest: 10,
  splitSeed: 1,
  // 1 GiB, as data/ingest's DEFAULT_BUDGET_BYTES (a unit test pins the two together).
  budgetMiB: 1024,
};

/** Rules across settings: the split's percentages must add up to 100. Null when all is well. */
export function crossCheck(settings: Settings): string | null {
  const sum = settings.splitTrain + settings.splitVal + settings.splitTest;
  return Math.abs(sum - 100) < 1e-9 ? null : `The split's percentages must add up to 100 (train ${settings.splitTrain} + val ${settings.splitVal} + test ${settings.splitTest} = ${sum}).`;
}

/** The split ratios (fractions) the percentages stand for. */
export function splitRatiosOf(settings: Settings): { train: number; val: number; test: number } {
  return { train: settings.splitTrain / 100, val: settings.splitVal / 100, test: settings.splitTest / 100 };
}

export function settingDef(key: SettingKey): SettingDef {
  const def = SETTINGS.find((s) => s.key === key);
  if (!def) throw new Error(`Unknown setting "${key}".`);
  return def;
}

/** Parses and checks a raw value (a form field or URL text); the error says what is allowed. */
export function parseSetting(def: SettingDef, raw: unknown): { ok: true; value: Value } | { ok: false; error: string } {
  switch (def.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === '1' || raw === 'true') return { ok: true, value: true };
      if (raw === '0' || raw === 'false') return { ok: true, value: false };
      return { ok: false, error: `${def.label} must be on or off.` };
    }
    case 'select': {
      const value = String(raw);
      return def.options.includes(value) ? { ok: true, value: value as Value } : { ok: false, error: `${def.label} must be one of ${def.options.join(', ')}.` };
    }
    case 'number': {
      const value = typeof raw === 'number' ? raw : String(raw).trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) return { ok: false, error: `${def.label} must be a number.` };
      if (def.integer && !Number.isInteger(value)) return { ok: false, error: `${def.label} must be a whole number.` };
      if (value < def.min || value > def.max) return { ok: false, error: `${def.label} must be between ${def.min} and ${def.max}.` };
      return { ok: true, value };
    }
    default: {
      const unknown: never = def;
      throw new Error(`Unknown setting kind ${JSON.stringify(unknown)}`);
    }
  }
}

/** Only the settings that differ from the defaults, so shared links stay short. */
export function settingsToQuery(settings: Settings): string {
  const params = new URLSearchParams();
  for (const def of SETTINGS) {
    const value = settings[def.key];
    if (value === DEFAULT_SETTINGS[def.key]) continue;
    params.set(def.param, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return params.toString();
}

/** Settings from a URL query (or saved text): bad entries are dropped and explained, the rest apply. */
export function settingsFromQuery(query: string, base: Settings = DEFAULT_SETTINGS): { settings: Settings; errors: string[] } {
  const params = new URLSearchParams(query);
  const settings = { ...base };
  const errors: string[] = [];
  for (const def of SETTINGS) {
    const raw = params.get(def.param);
    if (raw === null) continue;
    const parsed = parseSetting(def, raw);
    if (parsed.ok) (settings as Record<SettingKey, Value>)[def.key] = parsed.value;
    else errors.push(`Ignored ${def.param}=${raw}: ${parsed.error}`);
  }
  const crossError = crossCheck(settings);
  if (crossError) {
    // A split that does not add up is dropped whole (keeping the base's), not patched.
    const { splitTrain, splitVal, splitTest } = base;
    Object.assign(settings, { splitTrain, splitVal, splitTest });
    errors.push(`Ignored the split: ${crossError}`);
  }
  return { settings, errors };
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
