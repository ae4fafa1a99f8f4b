/**
 * The PyTorch job and the RUN it comes back as (DESIGN 5b). Pure: files in, files out, no DOM or file system.
 *
 * Job: train.py and studio_torch/*.py (the PyTorch package, handed in as text), model.safetensors
 * (the current weights in PyTorch's layout), studio.json (preset, size, every training setting, the
 * split as car ids, the history so far) and README.md (the commands).
 * RUN: model.safetensors, studio.json (the history now holds the cluster's epochs, origin "torch") and
 * history.csv. Reading a RUN checks everything before a model is handed out; refusals name the file
 * and, for weights, the tensor.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SplitRatios } from '../../data/split';
import { buildPreset } from '../model/build';
import { isPresetName, presetConfig, type ModelConfig, type PresetName } from '../model/presets';
import { DEFAULT_TRAIN_CONFIG, type EpochRecord, type TrainConfig } from '../train/config';
import { OPTIMIZER_NAMES } from '../train/optimizerNames';
import { HISTORY_COLUMNS, historyToCsv } from './export';
import type { Checkpoint } from './checkpoint';
import { OPTIMIZER_STATE_NAME, optimizerFromTorchTensors, optimizerToTorchTensors } from './optimizerState';
import { loadTorchTensors, modelToTorchTensors, readSafetensors, readSafetensorsMetadata, SafetensorsError, writeSafetensors } from './safetensors';

export const STUDIO_RUN_FORMAT = 'carvana-studio-run';
export const STUDIO_RUN_VERSION = 1;
export const WEIGHTS_NAME = 'model.safetensors';
export const STUDIO_JSON = 'studio.json';
export const HISTORY_CSV = 'history.csv';
/** What a RUN may hold (matched by base name); the optimizer's state is optional. */
export const RUN_FILE_NAMES: readonly string[] = [WEIGHTS_NAME, STUDIO_JSON, HISTORY_CSV, OPTIMIZER_STATE_NAME];

/**
 * The job's Python files, relative to src/torch (the browser bundles them as text with Vite's
 * import.meta.glob, Node reads them from disk; both hand them in under these names).
 */
export const TORCH_SOURCES = { entry: 'train.py', packageDir: 'studio_torch' } as const;

export type EpochOrigin = NonNullable<EpochRecord['origin']>;

/** One part of the split by car ids (the page's SplitSummary has this shape). */
export interface RunSplitPart {
  pairs: number;
  groups: string[];
}

export interface RunSplit {
  ratios: SplitRatios;
  seed: number;
  train: RunSplitPart;
  val: RunSplitPart;
  test: RunSplitPart;
}

/** What the job needs of a run (the worker's RunRecord has this shape). */
export interface JobRun {
  id: string;
  name: string;
  config: TrainConfig;
  split: RunSplit | null;
  history: readonly EpochRecord[];
}

type ModelOverrides = Partial<Pick<ModelConfig, 'base' | 'dilationRate' | 'transformer'>>;

/** studio.json, as the job carries it and as the RUN brings it back. */
export interface StudioJson {
  format: typeof STUDIO_RUN_FORMAT;
  version: typeof STUDIO_RUN_VERSION;
  preset: PresetName;
  height: number;
  width: number;
  model: ModelOverrides;
  config: TrainConfig;
  split: { ratios: SplitRatios; seed: number; train: RunSplitPart; val: RunSplitPart; test: RunSplitPart };
  history: Array<EpochRecord & { origin: EpochOrigin }>;
  run: { id: string; name: string };
  source: { job: string };
}

/** A RUN read back: its model (the caller disposes it) and what studio.json says, history with origins. */
export interface TorchRun {
  model: tf.LayersModel;
  studio: StudioJson;
  /** The cluster's optimizer state (optimizer.safetensors), when the RUN brought it. */
  optimizer: Checkpoint['optimizer'];
}

/** A job or RUN file that cannot be used; the message names the file (and the tensor). */
export class TorchRunError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const encoder = new TextEncoder();

/** Model fields the preset does not fix and the run set (the narrow seed-unet's base). */
function modelOverrides(config: TrainConfig): ModelOverrides {
  return config.base !== undefined ? { base: config.base } : {};
}

/** JSON writes NaN (a split without images) as null. */
const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';

/** studio.json of a run whose weights are those of epoch `epoch` (the history stops there). */
export function studioJson(run: JobRun, model: tf.LayersModel, job: string, epoch = run.history.length): StudioJson {
  if (!run.split) throw new TorchRunError(`run "${run.name}" has no recorded split, so its cars cannot be handed to the job`);
  const [, height, width] = model.inputs[0]!.shape as number[];
  const { config } = run;
  if (config.height !== height || config.width !== width)
    throw new TorchRunError(`run "${run.name}" is ${config.height}x${config.width} but its model takes ${height}x${width}`);
  const part = (p: RunSplitPart): RunSplitPart => ({ pairs: p.pairs, groups: [...p.groups] });
  return {
    format: STUDIO_RUN_FORMAT,
    version: STUDIO_RUN_VERSION,
    preset: config.preset,
    height,
    width,
    model: modelOverrides(config),
    config,
    split: { ratios: run.split.ratios, seed: run.split.seed, train: part(run.split.train), val: part(run.split.val), test: part(run.split.test) },
    history: run.history.filter((e) => e.epoch <= epoch).map((e) => ({ ...e, origin: e.origin ?? 'studio' })),
    run: { id: run.id, name: run.name },
    source: { job },
  };
}

/** The job's README: what is in the folder and the commands, with this run's numbers. */
export function jobReadme(studio: StudioJson): string {
  const epochs = studio.config.epochs;
  const done = studio.history.length;
  const more = Math.max(1, epochs - done);
  return `# PyTorch job: ${studio.run.name}

Exported by the Carvana masking studio: ${studio.preset} at ${studio.height}x${studio.width}, ${done} epoch${done === 1 ? '' : 's'} trained in the browser.
The run continues here on PyTorch DDP (torchrun) and comes back to the studio as a RUN folder.

| file | what |
|---|---|
| train.py, studio_torch/ | the studio's models, data layouts, split, loss, augmentation and metrics in PyTorch |
| model.safetensors | the current weights, PyTorch layout (\`<layer>.<key>\`, float32) |
| studio.json | preset, size, every training setting, the split as car ids, the history so far |
| optimizer.safetensors | Adam's moments (or SGD's momentum) per weight and the step count, when the run has them: the run continues them |

DATA is a folder in any layout the studio reads (Kaggle's \`train/\` + \`train_masks/\`, or images with masks);
the split is the run's own, by car id. RUN is where the run goes: \`model.safetensors\`, \`optimizer.safetensors\`, \`studio.json\` and \`history.csv\`.

Continue on N processes of this machine (gloo on CPU, NCCL on GPUs):

\`\`\`bash
torchrun --nproc_per_node N JOBDIR/train.py --data DATA --epochs ${more} --out RUN
\`\`\`

On Debian 12's torch 1.13 (\`/usr/bin/torchrun\`, Python 3.11) add \`--redirects 1 --tee 1\`: its parser of the default
\`--redirects 0\` breaks under Python 3.11 ("'NoneType' object has no attribute 'get'").

\`\`\`bash
/usr/bin/torchrun --nproc_per_node 2 --redirects 1 --tee 1 JOBDIR/train.py --data DATA --epochs ${more} --out RUN
\`\`\`

Two nodes, 4 processes each (run the same command on both; node 0's address is the rendezvous):

\`\`\`bash
# on node 0 (10.0.0.1)
torchrun --nnodes 2 --node_rank 0 --nproc_per_node 4 --master_addr 10.0.0.1 --master_port 29500 JOBDIR/train.py --data DATA --epochs ${more} --out RUN
# on node 1
torchrun --nnodes 2 --node_rank 1 --nproc_per_node 4 --master_addr 10.0.0.1 --master_port 29500 JOBDIR/train.py --data DATA --epochs ${more} --out RUN
\`\`\`

Score the test split (the run's cars) with the weights the run ended with:

\`\`\`bash
python3 JOBDIR/train.py --eval DATA --weights RUN/model.safetensors
\`\`\`

Back home: the studio's *Import model* takes RUN (zipped, or its files chosen together); the run joins the runs list with its
whole history, the cluster's epochs marked on the charts. \`npm run predict -- --model RUN --data DATA\` and
\`npm run export -- --model RUN --format onnx\` take it too.
`;
}

/**
 * The job's files by path inside JOBDIR. `sources` holds the Python files by their path under
 * src/torch (train.py, studio_torch/*.py); all of them are required.
 */
export async function buildTorchJob(
  model: tf.LayersModel,
  run: JobRun,
  sources: Readonly<Record<string, string>>,
  options: { job: string; epoch?: number; /** The run's optimizer state, sent when it can continue in PyTorch. */ optimizer?: Checkpoint['optimizer'] },
): Promise<Record<string, Uint8Array>> {
  const python = Object.keys(sources).filter((p) => p === TORCH_SOURCES.entry || (p.startsWith(`${TORCH_SOURCES.packageDir}/`) && p.endsWith('.py')));
  if (!python.includes(TORCH_SOURCES.entry))
    throw new TorchRunError(`the PyTorch sources lack ${TORCH_SOURCES.entry}: this build of the studio cannot write a job`);
  if (!python.some((p) => p.startsWith(`${TORCH_SOURCES.packageDir}/`)))
    throw new TorchRunError(`the PyTorch sources lack the ${TORCH_SOURCES.packageDir} package`);
  const studio = studioJson(run, model, options.job, options.epoch);
  const files: Record<string, Uint8Array> = {};
  for (const path of python.sort()) files[path] = encoder.encode(sources[path]!);
  files[WEIGHTS_NAME] = writeSafetensors(await modelToTorchTensors(model), { format: 'pt' });
  const state = optimizerToTorchTensors(model, options.optimizer ?? null);
  if (state) files[OPTIMIZER_STATE_NAME] = writeSafetensors(state.tensors, { format: 'pt', ...state.metadata });
  files[STUDIO_JSON] = encoder.encode(json(studio));
  files['README.md'] = encoder.encode(jobReadme(studio));
  return files;
}

/** The RUN's files, for the studio's own export of one (the same three the cluster writes). */
export async function buildRunFiles(model: tf.LayersModel, studio: StudioJson): Promise<Record<string, Uint8Array>> {
  return {
    [WEIGHTS_NAME]: writeSafetensors(await modelToTorchTensors(model), { format: 'pt' }),
    [STUDIO_JSON]: encoder.encode(json(studio)),
    [HISTORY_CSV]: encoder.encode(historyToCsv(studio.history)),
  };
}

/** Whether chosen files are a RUN (or a job): a model.safetensors among them. */
export const isTorchRun = (names: readonly string[]): boolean => names.some((n) => baseName(n) === WEIGHTS_NAME);

const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** Python's json writes NaN and Infinity bare; they read as null (NaN). */
function parseStudioJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    try {
      return JSON.parse(text.replace(/-?\bInfinity\b|\bNaN\b/g, 'null'));
    } catch {
      throw new TorchRunError(`${STUDIO_JSON} is not valid JSON: ${(error as Error).message}`);
    }
  }
}

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
const RECORD_FIELDS = HISTORY_COLUMNS;

function readHistory(value: unknown): Array<EpochRecord & { origin: EpochOrigin }> {
  if (!Array.isArray(value)) throw new TorchRunError(`${STUDIO_JSON}: "history" is not a list of epochs`);
  return value.map((entry, k) => {
    const where = `${STUDIO_JSON}: history entry ${k + 1}`;
    if (!isObject(entry)) throw new TorchRunError(`${where} is not an object`);
    if (entry.epoch !== k + 1) throw new TorchRunError(`${where} is epoch ${JSON.stringify(entry.epoch)}; epochs must run 1, 2, 3 ... in order`);
    const bad = RECORD_FIELDS.find((f) => typeof entry[f] !== 'number' && entry[f] !== null);
    if (bad) throw new TorchRunError(`${where} (epoch ${k + 1}) has no number "${bad}"`);
    const origin = entry.origin ?? 'studio';
    if (origin !== 'studio' && origin !== 'torch')
      throw new TorchRunError(`${where} (epoch ${k + 1}) has origin ${JSON.stringify(entry.origin)}; "studio" or "torch" is expected`);
    const record = Object.fromEntries(RECORD_FIELDS.map((f) => [f, (entry[f] as number | null) ?? NaN])) as unknown as EpochRecord;
    return { ...record, origin };
  });
}

function readSplit(value: unknown): StudioJson['split'] {
  if (!isObject(value)) throw new TorchRunError(`${STUDIO_JSON}: "split" is missing: the run's cars are not known`);
  const ratios = value.ratios;
  if (!isObject(ratios) || !(['train', 'val', 'test'] as const).every((k) => typeof ratios[k] === 'number')) {
    throw new TorchRunError(`${STUDIO_JSON}: split.ratios needs train, val and test fractions`);
  }
  if (!Number.isInteger(value.seed)) throw new TorchRunError(`${STUDIO_JSON}: split.seed is not a whole number`);
  const part = (name: 'train' | 'val' | 'test'): RunSplitPart => {
    const p = value[name];
    if (!isObject(p) || !Array.isArray(p.groups) || !p.groups.every((g) => typeof g === 'string')) {
      throw new TorchRunError(`${STUDIO_JSON}: split.${name}.groups is not a list of car ids`);
    }
    return { pairs: Number.isInteger(p.pairs) ? (p.pairs as number) : 0, groups: p.groups as string[] };
  };
  return { ratios: ratios as unknown as SplitRatios, seed: value.seed as number, train: part('train'), val: part('val'), test: part('test') };
}

/** The config over the defaults (object fields merged), checked against the preset and size studio.json names. */
function readConfig(value: unknown, preset: PresetName, height: number, width: number): TrainConfig {
  const refuse = (why: string): never => {
    throw new TorchRunError(`${STUDIO_JSON} does not fit the model: ${why}`);
  };
  if (!isObject(value)) return refuse('it has no "config"');
  const merged: Record<string, unknown> = { ...DEFAULT_TRAIN_CONFIG, ...value };
  for (const field of ['optimizer', 'loss', 'augment', 'schedule'] as const) {
    merged[field] = { ...DEFAULT_TRAIN_CONFIG[field], ...(isObject(value[field]) ? value[field] : {}) };
  }
  const config = merged as unknown as TrainConfig;
  if (config.preset !== preset) refuse(`config.preset "${String(config.preset)}" is not its preset "${preset}"`);
  if (config.height !== height || config.width !== width) refuse(`config's size ${config.height}x${config.width} is not its ${height}x${width}`);
  if (!isCount(config.batchSize) || !isCount(config.epochs)) refuse('config.batchSize and config.epochs must be positive whole numbers');
  if (!OPTIMIZER_NAMES.includes(config.optimizer.name) || !(config.optimizer.learningRate > 0))
    refuse(`config.optimizer "${String(config.optimizer.name)}" is not one the studio has`);
  return config;
}

/** studio.json checked field by field: another version or another model is refused, naming the field. */
export function readStudioJson(bytes: Uint8Array): StudioJson {
  const value = parseStudioJson(bytes);
  if (!isObject(value)) throw new TorchRunError(`${STUDIO_JSON} is not a JSON object`);
  if (value.format !== STUDIO_RUN_FORMAT)
    throw new TorchRunError(`${STUDIO_JSON}: format ${JSON.stringify(value.format)} is not "${STUDIO_RUN_FORMAT}": not a studio run`);
  if (value.version !== STUDIO_RUN_VERSION) {
    throw new TorchRunError(
      `${STUDIO_JSON}: version ${JSON.stringify(value.version)} is from another version of the studio (this one reads version ${STUDIO_RUN_VERSION})`,
    );
  }
  const preset = value.preset;
  if (typeof preset !== 'string' || !isPresetName(preset))
    throw new TorchRunError(`${STUDIO_JSON}: preset ${JSON.stringify(preset)} is not one of the studio's`);
  const { height, width } = value;
  if (!isCount(height) || !isCount(width)) throw new TorchRunError(`${STUDIO_JSON}: height and width must be positive whole numbers`);
  const model = value.model ?? {};
  if (!isObject(model)) throw new TorchRunError(`${STUDIO_JSON}: "model" is not an object`);
  const unknown = Object.keys(model).find((k) => !['base', 'dilationRate', 'transformer'].includes(k));
  if (unknown) throw new TorchRunError(`${STUDIO_JSON}: model.${unknown} is not a model setting the studio has`);
  try {
    presetConfig(preset, { height, width, ...(model as ModelOverrides) });
  } catch (error) {
    throw new TorchRunError(`${STUDIO_JSON}: ${(error as Error).message}`, { cause: error });
  }
  const config = readConfig(value.config, preset, height, width);
  if (model.base !== undefined && config.base !== model.base)
    throw new TorchRunError(`${STUDIO_JSON}: model.base ${String(model.base)} is not config.base ${String(config.base)}`);
  const run = isObject(value.run) ? value.run : {};
  if (typeof run.id !== 'string' || typeof run.name !== 'string') throw new TorchRunError(`${STUDIO_JSON}: "run" needs an id and a name`);
  const source = isObject(value.source) && typeof value.source.job === 'string' ? { job: value.source.job } : { job: 'unknown' };
  return {
    format: STUDIO_RUN_FORMAT,
    version: STUDIO_RUN_VERSION,
    preset,
    height,
    width,
    model: model as ModelOverrides,
    config,
    split: readSplit(value.split),
    history: readHistory(value.history),
    run: { id: run.id, name: run.name },
    source,
  };
}

/** history.csv, when present, must hold the same epochs as studio.json (a RUN put together from two runs is refused). */
function checkHistoryCsv(bytes: Uint8Array, history: readonly EpochRecord[]): void {
  const lines = new TextDecoder()
    .decode(bytes)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((c) => c.trim());
  const epochAt = header?.indexOf('epoch') ?? -1;
  if (!header || epochAt < 0) throw new TorchRunError(`${HISTORY_CSV} has no header with an "epoch" column`);
  const epochs = lines.slice(1).map((l) => Number(l.split(',')[epochAt]));
  const want = history.map((e) => e.epoch);
  if (epochs.length !== want.length || epochs.some((e, k) => e !== want[k])) {
    throw new TorchRunError(
      `${HISTORY_CSV} lists epochs ${epochs.join(', ') || 'none'} but ${STUDIO_JSON} has ${want.join(', ') || 'none'}: they are from different runs`,
    );
  }
}

/**
 * A RUN's files (model.safetensors, studio.json, history.csv optional; paths inside a folder or zip
 * are matched by base name) -> the model with its weights, and studio.json. Everything is checked
 * before the model is handed out; on a refusal the half-built model is disposed.
 */
export function readTorchRun(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>): TorchRun {
  const byName = new Map<string, Uint8Array>();
  for (const file of files) {
    const name = baseName(file.name);
    if (!RUN_FILE_NAMES.includes(name)) continue;
    if (byName.has(name)) throw new TorchRunError(`two files are named ${name}: choose one RUN`);
    byName.set(name, file.bytes);
  }
  const studioBytes = byName.get(STUDIO_JSON);
  if (!studioBytes) throw new TorchRunError(`${STUDIO_JSON} is missing: a RUN is model.safetensors with its studio.json (and history.csv)`);
  const weightBytes = byName.get(WEIGHTS_NAME);
  if (!weightBytes) throw new TorchRunError(`${WEIGHTS_NAME} is missing: a RUN is model.safetensors with its studio.json (and history.csv)`);
  const studio = readStudioJson(studioBytes);
  const csv = byName.get(HISTORY_CSV);
  if (csv) checkHistoryCsv(csv, studio.history);
  const tensors = readSafetensors(weightBytes, WEIGHTS_NAME);
  const model = buildPreset(studio.preset, { height: studio.height, width: studio.width, ...studio.model });
  let optimizer: Checkpoint['optimizer'] = null;
  try {
    loadTorchTensors(model, tensors, WEIGHTS_NAME);
    const state = byName.get(OPTIMIZER_STATE_NAME);
    if (state) {
      const [slots, metadata] = [readSafetensors(state, OPTIMIZER_STATE_NAME), readSafetensorsMetadata(state, OPTIMIZER_STATE_NAME)];
      optimizer = optimizerFromTorchTensors(model, slots, metadata, studio.config.optimizer, OPTIMIZER_STATE_NAME);
    }
  } catch (error) {
    model.dispose();
    if (error instanceof SafetensorsError)
      throw new TorchRunError(`${error.message} (${STUDIO_JSON} says ${studio.preset} at ${studio.height}x${studio.width})`, { cause: error });
    throw error;
  }
  return { model, studio, optimizer };
}
