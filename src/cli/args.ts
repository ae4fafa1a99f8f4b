/**
 * Command lines of `npm run train / predict / bench`, parsed and checked before anything starts.
 * Pure (no file system): a bad argument becomes a UsageError whose message says what to fix.
 * Numbers are checked against the studio's own settings schema, so both accept the same values.
 */
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { PRESET_NAMES, presetConfig, type PresetName } from '../ml/model/presets';
import type { Candidate } from '../ml/train/recipe';
import { DEFAULT_SETTINGS, parseSetting, settingDef, type SettingKey } from '../settings';

export class UsageError extends Error {}

type Kind = 'value' | 'switch';
type Spec = Record<string, Kind>;

export const TRAIN_USAGE =
  'usage: npm run train -- --data DIR --out OUT [--preset tiny|transunet|seed-unet|unet] [--size HxW] [--epochs N | --minutes M]\n' +
  `                        [--base CHANNELS] [--batch B] [--lr X] [--backend auto|${BACKEND_NAMES.join('|')}] [--seed S] [--threads K]\n` +
  '                        [--small-first SHARE]  (with --minutes: that share of the time trains on half-size images first)';
export const PREDICT_USAGE =
  'usage: npm run predict -- --model OUT --data DIR [--report FILE] [--masks MASKDIR] [--cutouts CUTDIR] [--backend B] [--threshold T] [--no-tta]';
export const BENCH_USAGE =
  `usage: npm run bench -- [--json FILE] [--peer] [--backends ${BACKEND_NAMES.join(',')}] [--wasm-threads 1,2] [--budget SECONDS] [--only train,inference,ingest,memory,quality]\n` +
  '                        [--presets tiny,transunet,seed-unet16] [--sizes 64x96,128x192] [--minutes M] [--train-args="FLAGS"]\n' +
  '  quality (only when named in --only): `npm run train -- --minutes M` on the sample (the recipe, or the FLAGS), then predict on its test cars';

/** Splits argv into flag values; `--flag=value` and `--flag value` both work. */
function readFlags(argv: string[], spec: Spec, usage: string): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new UsageError(usage);
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const kind = spec[flag];
    if (!flag.startsWith('--') || !kind) throw new UsageError(`unknown argument "${arg}"\n${usage}`);
    if (values.has(flag)) throw new UsageError(`${flag} is given twice`);
    if (kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      values.set(flag, 'true');
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value === '') throw new UsageError(`${flag} needs a value\n${usage}`);
    values.set(flag, value);
    if (inline === undefined) i++;
  }
  return values;
}

function required(values: Map<string, string>, flag: string, what: string, usage: string): string {
  const value = values.get(flag);
  if (value === undefined) throw new UsageError(`${flag} ${what} is required\n${usage}`);
  return value;
}

/** A number checked by the studio's schema for `key` (its range and integer rule). */
function setting(values: Map<string, string>, flag: string, key: SettingKey): number {
  const raw = values.get(flag);
  if (raw === undefined) return DEFAULT_SETTINGS[key] as number;
  const parsed = parseSetting(settingDef(key), raw);
  if (!parsed.ok) throw new UsageError(`${flag} ${raw}: ${parsed.error}`);
  return parsed.value as number;
}

function backend(values: Map<string, string>): BackendPreference {
  const value = values.get('--backend') ?? 'auto';
  const allowed = ['auto', ...BACKEND_NAMES];
  if (!allowed.includes(value)) throw new UsageError(`--backend must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as BackendPreference;
}

function positive(values: Map<string, string>, flag: string, max: number): number | null {
  const raw = values.get(flag);
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`${flag} must be a number above 0 and at most ${max}; got "${raw}"`);
  return value;
}

export interface TrainArgs {
  data: string;
  out: string;
  preset: PresetName;
  height: number;
  width: number;
  /** 0 only ingests and splits. */
  epochs: number;
  minutes: number | null;
  /** Channels of the first encoder block; 0 keeps the preset's own. */
  base: number;
  batchSize: number;
  learningRate: number;
  backend: BackendPreference;
  seed: number;
  /** wasm's XNNPACK threads; 0 (the default) times 1 and this machine's cores and keeps the fastest. */
  threads: number;
  /**
   * `--minutes` without `--epochs`: the page's "Best model in N minutes" recipe (ml/train/recipe.ts) times
   * its candidates and picks the model, size, batch, epochs and schedule; a flag given fixes that setting
   * (`fixed`, `learningRate`). Null: the settings are the flags and the defaults, as before.
   */
  recipe: { fixed: Partial<Candidate>; learningRate: number | null } | null;
}

/** Sizes are H x W (rows first), as the studio writes them. */
export function parseSize(raw: string, preset: PresetName): { height: number; width: number } {
  const match = /^(\d+)x(\d+)$/.exec(raw);
  if (!match) throw new UsageError(`--size must be HEIGHTxWIDTH, e.g. 128x192; got "${raw}"`);
  const [height, width] = [Number(match[1]), Number(match[2])];
  try {
    presetConfig(preset, { height, width });
  } catch (error) {
    throw new UsageError(`--size ${raw}: ${(error as Error).message}`);
  }
  return { height, width };
}

const MAX_EPOCHS = 1000;

export function parseTrainArgs(argv: string[]): TrainArgs {
  const spec: Spec = {
    '--data': 'value',
    '--out': 'value',
    '--preset': 'value',
    '--size': 'value',
    '--epochs': 'value',
    '--minutes': 'value',
    '--batch': 'value',
    '--base': 'value',
    '--lr': 'value',
    '--backend': 'value',
    '--seed': 'value',
    '--threads': 'value',
    '--small-first': 'value',
  };
  const values = readFlags(argv, spec, TRAIN_USAGE);
  const data = required(values, '--data', 'DIR (the folder of images and masks)', TRAIN_USAGE);
  const out = required(values, '--out', 'OUT (where model.json, weights.bin and report.json go)', TRAIN_USAGE);
  const preset = values.get('--preset') ?? DEFAULT_SETTINGS.preset;
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}; got "${preset}"`);
  // Without --size: the studio's default size for its default model, else the preset's own input size.
  const own = presetConfig(preset);
  const defaultSize = preset === DEFAULT_SETTINGS.preset ? DEFAULT_SETTINGS.size : `${own.height}x${own.width}`;
  const { height, width } = parseSize(values.get('--size') ?? defaultSize, preset as PresetName);
  const minutes = positive(values, '--minutes', 7 * 24 * 60);
  let epochs = minutes !== null && !values.has('--epochs') ? MAX_EPOCHS : DEFAULT_SETTINGS.epochs;
  const rawEpochs = values.get('--epochs');
  if (rawEpochs !== undefined) {
    epochs = Number(rawEpochs);
    if (!Number.isInteger(epochs) || epochs < 0 || epochs > MAX_EPOCHS)
      throw new UsageError(`--epochs must be a whole number from 0 to ${MAX_EPOCHS}; got "${rawEpochs}"`);
  }
  if (epochs === 0 && minutes !== null) throw new UsageError('--epochs 0 only loads and splits the data: drop --minutes');
  const batchSize = setting(values, '--batch', 'batchSize');
  const base = setting(values, '--base', 'base');
  const learningRate = setting(values, '--lr', 'learningRate');
  const smallFirst = smallFirstShare(values, minutes !== null && rawEpochs === undefined, values.has('--size') ? { height, width } : null);
  const fixed: Partial<Candidate> = {
    ...(values.has('--preset') && { preset: preset as PresetName }),
    ...(values.has('--size') && { height, width }),
    ...(values.has('--batch') && { batchSize }),
    ...(values.has('--base') && { base }),
    ...(smallFirst !== null && { smallFirst }),
  };
  return {
    data,
    out,
    preset: preset as PresetName,
    height,
    width,
    epochs,
    minutes,
    base,
    batchSize,
    learningRate,
    backend: backend(values),
    seed: setting(values, '--seed', 'seed'),
    threads: setting(values, '--threads', 'wasmThreads'),
    recipe: minutes !== null && rawEpochs === undefined ? { fixed, learningRate: values.has('--lr') ? learningRate : null } : null,
  };
}

/** --small-first SHARE: a share of the recipe's time budget (0 turns it off), at a size whose half is a multiple of 16. */
function smallFirstShare(values: Map<string, string>, recipe: boolean, size: { height: number; width: number } | null): number | null {
  const raw = values.get('--small-first');
  if (raw === undefined) return null;
  if (!recipe) throw new UsageError('--small-first is a share of the time budget: give it with --minutes (and no --epochs)');
  const share = Number(raw);
  if (!(share >= 0 && share < 1)) throw new UsageError(`--small-first must be a share from 0 to below 1, e.g. 0.3; got "${raw}"`);
  if (share > 0 && size && [size.height, size.width].some((side) => side % 32 !== 0)) {
    throw new UsageError(`--small-first with --size ${size.height}x${size.width}: half of each side must be a multiple of 16 too`);
  }
  return share;
}

export interface PredictArgs {
  model: string;
  data: string;
  report: string | null;
  masks: string | null;
  cutouts: string | null;
  backend: BackendPreference;
  threshold: number;
  flipTta: boolean;
}

export function parsePredictArgs(argv: string[]): PredictArgs {
  const spec: Spec = {
    '--model': 'value',
    '--data': 'value',
    '--report': 'value',
    '--masks': 'value',
    '--cutouts': 'value',
    '--backend': 'value',
    '--threshold': 'value',
    '--tta': 'switch',
    '--no-tta': 'switch',
  };
  const values = readFlags(argv, spec, PREDICT_USAGE);
  if (values.has('--tta') && values.has('--no-tta')) throw new UsageError('--tta and --no-tta contradict each other: give one');
  return {
    model: required(values, '--model', 'OUT (the folder `npm run train` wrote, or its model.json)', PREDICT_USAGE),
    data: required(values, '--data', 'DIR (the folder of images, with or without masks)', PREDICT_USAGE),
    report: values.get('--report') ?? null,
    masks: values.get('--masks') ?? null,
    cutouts: values.get('--cutouts') ?? null,
    backend: backend(values),
    threshold: setting(values, '--threshold', 'threshold'),
    // On unless --no-tta: the mirrored pass added 0.0012-0.0019 test and validation Dice on every car of the
    // sample, for twice the model's time (BENCHMARKS.md, "Flip test-time augmentation"). --tta stays accepted.
    flipTta: !values.has('--no-tta'),
  };
}

/** What the bench trains: two presets, and the seed's U-Net narrowed to base 16 (17.3M parameters is a day's work here). */
export const BENCH_MODELS = ['tiny', 'transunet', 'seed-unet16'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

export const BENCH_SECTIONS = ['train', 'inference', 'ingest', 'memory', 'quality'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];
/** What a bench without --only measures: the quality section trains for minutes, so it runs only when named. */
const DEFAULT_SECTIONS = BENCH_SECTIONS.filter((section) => section !== 'quality');

export interface BenchArgs {
  json: string | null;
  peer: boolean;
  backends: Array<(typeof BACKEND_NAMES)[number]>;
  /** Seconds one training measurement may take before the rest of it is skipped. */
  budgetSeconds: number;
  sections: BenchSection[];
  presets: BenchModel[];
  /** wasm is measured once per thread count (XNNPACK threads; PyTorch uses every core). */
  wasmThreads: number[];
  sizes: Array<'64x96' | '128x192'>;
  /** The quality section's training budget. */
  minutes: number;
  /** Flags the quality section passes to `npm run train` (settings the recipe then leaves alone). */
  trainArgs: string[];
}

function list<T extends string>(values: Map<string, string>, flag: string, allowed: readonly T[], byDefault: readonly T[] = allowed): T[] {
  const raw = values.get(flag);
  if (raw === undefined) return [...byDefault];
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (items.length === 0 || bad.length) throw new UsageError(`${flag} takes a comma-separated list of ${allowed.join(', ')}; got "${raw}"`);
  return [...new Set(items)] as T[];
}

function threadCounts(raw: string): number[] {
  const counts = raw.split(',').map((s) => Number(s.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
    throw new UsageError(`--wasm-threads takes a comma-separated list of whole numbers from 1 to 64; got "${raw}"`);
  return [...new Set(counts)];
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const spec: Spec = {
    '--json': 'value',
    '--peer': 'switch',
    '--backends': 'value',
    '--wasm-threads': 'value',
    '--budget': 'value',
    '--only': 'value',
    '--presets': 'value',
    '--sizes': 'value',
    '--minutes': 'value',
    '--train-args': 'value',
  };
  const values = readFlags(argv, spec, BENCH_USAGE);
  const trainArgs = (values.get('--train-args') ?? '').split(/\s+/).filter(Boolean);
  const owned = trainArgs.filter((flag) => ['--data', '--out', '--minutes', '--seed'].includes(flag.split('=')[0]!));
  if (owned.length) throw new UsageError(`--train-args: the quality section sets ${owned.join(', ')} itself (the sample, its own folder, --minutes, seed 1)`);
  return {
    json: values.get('--json') ?? null,
    peer: values.has('--peer'),
    backends: list(values, '--backends', BACKEND_NAMES),
    budgetSeconds: positive(values, '--budget', 3600) ?? 60,
    sections: list(values, '--only', BENCH_SECTIONS, DEFAULT_SECTIONS),
    presets: list(values, '--presets', BENCH_MODELS),
    sizes: list(values, '--sizes', ['64x96', '128x192'] as const),
    wasmThreads: threadCounts(values.get('--wasm-threads') ?? '1,2'),
    minutes: positive(values, '--minutes', 7 * 24 * 60) ?? 10,
    trainArgs,
  };
}
