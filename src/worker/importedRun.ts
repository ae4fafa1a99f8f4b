/**
 * An exported run.json taken back with its model: a run record that the runs list resumes with the
 * settings and history it was exported with, on the data loaded at the time. A run.json that does
 * not fit the model is left out with the reason; the model still imports for inference and fine-tuning.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import { captureCheckpoint, checkpointBytes, type Checkpoint } from '../ml/io/checkpoint';
import { HISTORY_COLUMNS } from '../ml/io/export';
import { isPresetName } from '../ml/model/presets';
import { DEFAULT_TRAIN_CONFIG, LIVE_FIELDS, type ConfigChange, type EpochRecord, type TrainConfig } from '../ml/train/config';
import { OPTIMIZER_NAMES } from '../ml/train/optimizerNames';
import type { Progress } from '../ml/train/trainer';
import { newRunId, type RunRecord, type StudioDb } from './persistence';
import type { StoredState } from './runHooks';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

export type ImportedRun = { ok: true; run: RunRecord; progress: Progress } | { ok: false; reason: string };

/** The config of run.json over the defaults (object fields merged, so older exports without a field still load). */
function readConfig(value: unknown, model: LayersModel): TrainConfig | string {
  if (!isObject(value)) return 'it has no config';
  const merged: Json = { ...DEFAULT_TRAIN_CONFIG, ...value };
  for (const field of ['optimizer', 'loss', 'augment', 'schedule'] as const) {
    merged[field] = { ...DEFAULT_TRAIN_CONFIG[field], ...(isObject(value[field]) ? value[field] : {}) };
  }
  const config = merged as unknown as TrainConfig;
  const [, height, width] = model.inputs[0].shape as number[];
  if (typeof config.preset !== 'string' || !isPresetName(config.preset) || config.preset !== model.name)
    return `its preset "${String(config.preset)}" is not the model's (${model.name})`;
  if (config.height !== height || config.width !== width) return `its size ${config.height}x${config.width} is not the model's ${height}x${width}`;
  if (!isCount(config.batchSize) || !isCount(config.epochs)) return 'its batch size and epochs must be positive whole numbers';
  if (!OPTIMIZER_NAMES.includes(config.optimizer.name) || !(config.optimizer.learningRate > 0)) return 'its optimizer is not one the studio has';
  return config;
}

/** JSON writes NaN as null: such a value reads back as NaN; anything else that is not a number drops the record. */
function readHistory(value: unknown): EpochRecord[] {
  if (!Array.isArray(value)) return [];
  const records: EpochRecord[] = [];
  for (const entry of value) {
    if (!isObject(entry) || !isCount(entry.epoch) || entry.epoch !== records.length + 1) break;
    if (!HISTORY_COLUMNS.every((f) => typeof entry[f] === 'number' || entry[f] === null)) break;
    const record = Object.fromEntries(HISTORY_COLUMNS.map((f) => [f, entry[f] ?? NaN])) as unknown as EpochRecord;
    // Epochs trained on PyTorch stay marked as such when their run comes back through run.json.
    if (entry.origin === 'studio' || entry.origin === 'torch') record.origin = entry.origin;
    records.push(record);
  }
  return records;
}

function readChanges(value: unknown): ConfigChange[] {
  if (!Array.isArray(value)) return [];
  return value.filter((c): c is ConfigChange => isObject(c) && typeof c.step === 'number' && (LIVE_FIELDS as readonly unknown[]).includes(c.field));
}

/** The run record and progress an export's run.json describes, at the epoch and step its weights were taken. */
export function importedRun(json: unknown, model: LayersModel, now: number): ImportedRun {
  if (!isObject(json)) return { ok: false, reason: 'run.json is not an object' };
  const config = readConfig(json.config, model);
  if (typeof config === 'string') return { ok: false, reason: `run.json does not fit this model: ${config}` };
  const exported = isObject(json.exported) ? json.exported : {};
  const epochs = readHistory(json.history);
  // An export of the best checkpoint holds the weights of an earlier epoch than the history's last.
  const history = typeof exported.epoch === 'number' ? epochs.filter((e) => e.epoch <= (exported.epoch as number)) : epochs;
  const last = history[history.length - 1];
  const best = history.reduce<EpochRecord | null>((b, e) => (Number.isFinite(e.dice) && (!b || e.dice > b.dice) ? e : b), null);
  const step = typeof exported.step === 'number' && exported.step >= (last?.step ?? 0) ? exported.step : (last?.step ?? 0);
  const progress: Progress = {
    epoch: history.length,
    batchInEpoch: 0,
    step,
    history,
    bestDice: best?.dice ?? -Infinity,
    bestEpoch: best?.epoch ?? -1,
    learningRate: config.optimizer.learningRate,
    plateauMultiplier: 1,
  };
  const run: RunRecord = {
    id: newRunId(),
    name: `${typeof json.name === 'string' && json.name ? json.name : 'run'} (imported)`,
    createdAt: now,
    updatedAt: now,
    status: 'stopped',
    reason: null,
    config,
    split: null,
    history,
    steps: [],
    changes: readChanges(json.changes),
    best: best && { epoch: best.epoch, dice: best.dice },
    test: null,
    // Set at resume: an imported run continues on the data loaded then.
    dataset: null,
    message: 'Imported with its run.json: resume it to continue training on the loaded data.',
  };
  return { ok: true, run, progress };
}

/** Saves the run and the model as its latest checkpoint, with the optimizer state a PyTorch RUN brought (a tfjs export carries none). */
export async function saveImportedRun(
  db: StudioDb,
  model: LayersModel,
  imported: { run: RunRecord; progress: Progress },
  optimizer: Checkpoint['optimizer'] = null,
): Promise<void> {
  const { run, progress } = imported;
  const checkpoint = { ...(await captureCheckpoint(model, null, run.config.optimizer, progress.epoch, progress.step)), optimizer };
  await db.putRun(run);
  await db.putCheckpoint<StoredState>(run.id, 'latest', { checkpoint, progress }, checkpointBytes(checkpoint));
}
