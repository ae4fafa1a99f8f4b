/**
 * One declared schema for every setting (as TensorFlow Playground does). Each entry is the one place a
 * setting is taught: its default, validation, form group, URL key and, for a live setting, the part of
 * the running config it updates. The `Settings` type, the defaults, the URL and the live updates all
 * derive from this table. Pure: no React, no DOM, no store.
 */
import { DEFAULT_BUDGET_BYTES } from '../data/ingest';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import { BACKEND_NAMES } from '../ml/backendNames';
import { PRESET_NAMES } from '../ml/model/presets';
import type { LiveSettings } from '../ml/train/config';
import { OPTIMIZER_NAMES } from '../ml/train/optimizerNames';
import { SCHEDULE_NAMES } from '../ml/train/schedule';

interface Common {
  key: string;
  label: string;
  help: string;
  /** The live run's setting this one changes at the next step; false: locked while a run is live. */
  live: keyof LiveSettings | false;
  /** The settings form shows the first five; Engine and Data have controls in their own panels. */
  group: 'Model' | 'Optimizer' | 'Loss' | 'Augmentation' | 'Run' | 'Engine' | 'Data';
  /** Short name in the shareable URL. */
  param: string;
}
/** blankIsZero: a field left empty means 0, which the setting reads as "the model's own". */
type NumberDef = Common & { kind: 'number'; default: number; min: number; max: number; step: number; integer: boolean; log?: boolean; blankIsZero?: boolean };
type SelectDef = Common & { kind: 'select'; default: string; options: readonly string[] };
type BooleanDef = Common & { kind: 'boolean'; default: boolean };
type AnyDef = NumberDef | SelectDef | BooleanDef;

export const TRAINING_SIZES = ['32x48', '64x96', '128x192', '256x384', '256x256'] as const;

export const BACKEND_OPTIONS = ['auto', ...BACKEND_NAMES] as const;

export const SETTINGS = [
  {
    key: 'preset',
    default: 'tiny',
    label: 'Model',
    kind: 'select',
    options: PRESET_NAMES,
    live: false,
    group: 'Model',
    param: 'model',
    help: 'tiny trains in seconds; transunet is the real TransUNet; seed-unet and unet are the 17M-parameter baselines.',
  },
  // The page offers these sizes; the command line takes any multiple of 16, so the value is a string.
  {
    key: 'size',
    default: '64x96',
    label: 'Input size (H x W)',
    kind: 'select',
    options: TRAINING_SIZES as readonly string[],
    live: false,
    group: 'Model',
    param: 'size',
    help: 'Images are decoded at this size. Carvana photos are 1.5:1, so 128x192 keeps their shape.',
  },
  {
    key: 'base',
    // 0 = the preset's own: a setting that only narrows or widens what the Model picked.
    default: 0,
    label: 'Width (channels)',
    kind: 'number',
    min: 0,
    max: 128,
    step: 1,
    integer: true,
    blankIsZero: true,
    live: false,
    group: 'Model',
    param: 'base',
    help: "Channels of the first encoder block (the encoder goes b, 2b, 4b, 8b, 8b): narrower trains faster. Empty (or 0) keeps the model's own: tiny 4, transunet 16, seed-unet and unet 64.",
  },
  {
    key: 'batchSize',
    default: 4,
    label: 'Batch size',
    kind: 'number',
    min: 1,
    max: 64,
    step: 1,
    integer: true,
    live: false,
    group: 'Model',
    param: 'batch',
    help: 'Pairs per step. Larger batches need more memory.',
  },
  {
    key: 'epochs',
    default: 10,
    label: 'Epochs',
    kind: 'number',
    min: 1,
    max: 1000,
    step: 1,
    integer: true,
    live: false,
    group: 'Run',
    param: 'epochs',
    help: 'Passes over the train split.',
  },
  {
    key: 'optimizer',
    default: 'adam',
    label: 'Optimizer',
    kind: 'select',
    options: OPTIMIZER_NAMES,
    live: false,
    group: 'Optimizer',
    param: 'opt',
    help: 'Adam is the safe default; SGD uses heavy-ball momentum.',
  },
  {
    key: 'learningRate',
    default: 3e-3,
    label: 'Learning rate',
    kind: 'number',
    min: 1e-6,
    max: 1e30,
    step: 1e-4,
    integer: false,
    log: true,
    live: 'learningRate',
    group: 'Optimizer',
    param: 'lr',
    help: 'Step size. Changes apply at the next step and are marked on the charts. A rate that is far too high makes the loss NaN: the run then pauses and goes back to its last good checkpoint.',
  },
  {
    key: 'momentum',
    default: 0.9,
    label: 'Momentum',
    kind: 'number',
    min: 0,
    max: 0.999,
    step: 0.01,
    integer: false,
    live: false,
    group: 'Optimizer',
    param: 'mom',
    help: 'Momentum of SGD and RMSprop (Adam ignores it).',
  },
  {
    key: 'schedule',
    default: 'constant',
    label: 'LR schedule',
    kind: 'select',
    options: SCHEDULE_NAMES,
    live: false,
    group: 'Optimizer',
    param: 'sched',
    help: 'constant; cosine decay to 1% over the run; plateau halves the rate after 2 epochs without a better validation Dice.',
  },
  {
    key: 'lossBce',
    default: 0.2,
    label: 'BCE weight',
    kind: 'number',
    min: 0,
    max: 10,
    step: 0.05,
    integer: false,
    live: 'loss',
    group: 'Loss',
    param: 'bce',
    help: 'Weight of binary cross-entropy on logits.',
  },
  {
    key: 'lossDice',
    default: 0.8,
    label: 'Dice weight',
    kind: 'number',
    min: 0,
    max: 10,
    step: 0.05,
    integer: false,
    live: 'loss',
    group: 'Loss',
    param: 'dice',
    help: 'Weight of (1 - soft Dice).',
  },
  {
    key: 'lossFocal',
    default: 0,
    label: 'Focal weight',
    kind: 'number',
    min: 0,
    max: 10,
    step: 0.05,
    integer: false,
    live: 'loss',
    group: 'Loss',
    param: 'focal',
    help: 'Weight of focal loss (gamma 2), for hard pixels at the edges.',
  },
  {
    key: 'flip',
    default: true,
    label: 'Horizontal flip',
    kind: 'boolean',
    live: 'augment',
    group: 'Augmentation',
    param: 'flip',
    help: 'Mirror half of the pairs (image and mask together).',
  },
  {
    key: 'colour',
    default: true,
    label: 'Brightness / contrast',
    kind: 'boolean',
    live: 'augment',
    group: 'Augmentation',
    param: 'colour',
    help: 'Brightness +-0.1 and contrast x0.8-1.2 (image only).',
  },
  {
    key: 'shiftScale',
    default: true,
    label: 'Shift / scale',
    kind: 'boolean',
    live: 'augment',
    group: 'Augmentation',
    param: 'shift',
    help: 'Shift up to 6% and zoom 0.9-1.1 (image and mask together).',
  },
  {
    key: 'earlyStopping',
    default: 0,
    label: 'Early stopping patience',
    kind: 'number',
    min: 0,
    max: 100,
    step: 1,
    integer: true,
    live: false,
    group: 'Run',
    param: 'patience',
    help: 'Stop after this many epochs without a better validation Dice (0 = never).',
  },
  {
    key: 'overlayEvery',
    default: 1,
    label: 'Overlays every (epochs)',
    kind: 'number',
    min: 1,
    max: 100,
    step: 1,
    integer: true,
    live: 'overlayEvery',
    group: 'Run',
    param: 'overlay',
    help: 'How often predictions on the tracked validation images are drawn.',
  },
  {
    key: 'threshold',
    default: 0.5,
    label: 'Threshold',
    kind: 'number',
    min: 0.01,
    max: 0.99,
    step: 0.01,
    integer: false,
    live: 'threshold',
    group: 'Run',
    param: 'thr',
    help: 'Probability above which a pixel counts as car, for metrics and masks.',
  },
  {
    key: 'seed',
    default: 1,
    label: 'Seed',
    kind: 'number',
    min: 0,
    max: 2 ** 31 - 1,
    step: 1,
    integer: true,
    live: false,
    group: 'Run',
    param: 'seed',
    help: 'Seeds the order of batches and the augmentation.',
  },
  {
    key: 'backend',
    default: 'auto',
    label: 'Backend',
    kind: 'select',
    options: BACKEND_OPTIONS,
    live: false,
    group: 'Engine',
    param: 'backend',
    help: 'auto times the backends that start and keeps the fastest; the others force one.',
  },
  {
    key: 'wasmThreads',
    // 0 = auto (WASM_THREADS_AUTO): the engine times the counts worth trying and keeps the fastest, on
    // the page leaving one core to the page itself (PAGE_SPARE_CORES), so a 2-core machine trains on 1.
    default: 0,
    label: 'wasm threads',
    kind: 'number',
    min: 0,
    max: 64,
    step: 1,
    integer: true,
    live: false,
    group: 'Engine',
    param: 'threads',
    help: 'XNNPACK threads of the wasm backend, fixed when the engine first starts: changing it reloads the page. 0 (auto) times a few training steps on 1 thread and on the cores this machine has, less one kept for the page, and keeps the fastest.',
  },
  {
    key: 'splitTrain',
    default: DEFAULT_SPLIT_RATIOS.train * 100,
    label: 'train %',
    kind: 'number',
    min: 0,
    max: 100,
    step: 1,
    integer: false,
    live: false,
    group: 'Data',
    param: 'train',
    help: 'Share of the cars that train the model.',
  },
  {
    key: 'splitVal',
    default: DEFAULT_SPLIT_RATIOS.val * 100,
    label: 'val %',
    kind: 'number',
    min: 0,
    max: 100,
    step: 1,
    integer: false,
    live: false,
    group: 'Data',
    param: 'val',
    help: 'Share of the cars that score each epoch.',
  },
  {
    key: 'splitTest',
    default: DEFAULT_SPLIT_RATIOS.test * 100,
    label: 'test %',
    kind: 'number',
    min: 0,
    max: 100,
    step: 1,
    integer: false,
    live: false,
    group: 'Data',
    param: 'test',
    help: 'Share of the cars held out for the test table.',
  },
  {
    key: 'splitSeed',
    default: 1,
    label: 'split seed',
    kind: 'number',
    min: 0,
    max: 2 ** 31 - 1,
    step: 1,
    integer: true,
    live: false,
    group: 'Data',
    param: 'splitSeed',
    help: 'Seeds which cars land in which split.',
  },
  {
    key: 'budgetMiB',
    default: DEFAULT_BUDGET_BYTES / 1024 ** 2,
    label: 'Memory budget (MiB)',
    kind: 'number',
    min: 1,
    max: 1024 * 1024,
    step: 64,
    integer: true,
    live: false,
    group: 'Data',
    param: 'budget',
    help: 'A dataset whose decoded pixels need more than this is refused before decoding.',
  },
] as const satisfies readonly AnyDef[];

type Table = (typeof SETTINGS)[number];
type ValueOf<D> = D extends { kind: 'number' } ? number : D extends { kind: 'boolean' } ? boolean : D extends { options: readonly (infer O)[] } ? O : never;

/** Every setting's value, by key: derived from the table, so a new entry is a new field. */
export type Settings = { -readonly [D in Table as D['key']]: ValueOf<D> };
export type SettingKey = keyof Settings;
export type SettingValue = Settings[SettingKey];
/** One entry of the table, seen without its literal types (what the form and the URL work with). */
export type SettingDef = AnyDef & { key: SettingKey };

export const SETTING_DEFS: readonly SettingDef[] = SETTINGS;

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(SETTING_DEFS.map((def) => [def.key, def.default])) as Settings;

export function settingDef(key: SettingKey): SettingDef {
  const def = SETTING_DEFS.find((s) => s.key === key);
  if (!def) throw new Error(`Unknown setting "${key}".`);
  return def;
}

/** Parses and checks a raw value (a form field or URL text); the error says what is allowed. */
export function parseSetting(def: SettingDef, raw: unknown): { ok: true; value: SettingValue } | { ok: false; error: string } {
  switch (def.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === '1' || raw === 'true') return { ok: true, value: true };
      if (raw === '0' || raw === 'false') return { ok: true, value: false };
      return { ok: false, error: `${def.label} must be on or off.` };
    }
    case 'select': {
      const value = String(raw);
      return def.options.includes(value)
        ? { ok: true, value: value as SettingValue }
        : { ok: false, error: `${def.label} must be one of ${def.options.join(', ')}.` };
    }
    case 'number': {
      const blank = typeof raw !== 'number' && String(raw).trim() === '';
      const value = typeof raw === 'number' ? raw : blank ? (def.blankIsZero ? 0 : NaN) : Number(raw);
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
