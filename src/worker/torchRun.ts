/**
 * A run back from PyTorch (DESIGN 5b): a RUN (zip or loose model.safetensors + studio.json
 * [+ history.csv]) taken into the runs list with its whole history (the job goes out by torchJobZip.ts).
 * A RUN is checked whole before anything changes: a refusal leaves the runs list and the imported model as they were.
 */
import type * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { disposeModel } from '../ml/train/disposeModel';
import { DEFAULT_IMPORT_LIMITS, formatBytes, type ImportFile } from '../ml/io/import';
import { SafetensorsError } from '../ml/io/safetensors';
import { isTorchRun, readTorchRun, RUN_FILE_NAMES, STUDIO_JSON, TorchRunError, WEIGHTS_NAME } from '../ml/io/torchJob';
import { countTrainableParams } from '../ml/model';
import type { EpochRecord } from '../ml/train/config';
import type { Progress } from '../ml/train/trainer';
import { importedRun, saveImportedRun } from './importedRun';
import type { RunRecord } from './persistence';
import { resume } from './runLifecycle';
import type { RunContext } from './runState';

const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;
const isZip = (file: ImportFile) => (file.bytes[0] === 0x50 && file.bytes[1] === 0x4b) || /\.zip$/i.test(file.name);

/** The RUN files among the chosen ones (inside a lone zip, or loose), or null when they are not a RUN. */
export function runFilesOf(files: readonly ImportFile[], maxBytes = DEFAULT_IMPORT_LIMITS.maxBytes): ImportFile[] | null {
  if (files.length === 1 && isZip(files[0]!)) {
    const zip = files[0]!;
    const names: string[] = [];
    let unpacked = 0;
    try {
      // A first pass that inflates nothing: what is inside, and how big.
      unzipSync(zip.bytes, {
        filter: (entry) => {
          names.push(entry.name);
          if (RUN_FILE_NAMES.includes(baseName(entry.name))) unpacked += entry.originalSize;
          return false;
        },
      });
    } catch {
      return null; // not a zip the RUN reader can use: the model import says why
    }
    if (!isTorchRun(names)) return null;
    if (unpacked > maxBytes) throw new TorchRunError(`${zip.name} unpacks to ${formatBytes(unpacked)}, over the ${formatBytes(maxBytes, true)} import limit`);
    const entries = unzipSync(zip.bytes, { filter: (entry) => RUN_FILE_NAMES.includes(baseName(entry.name)) && !entry.name.startsWith('__MACOSX/') });
    return Object.entries(entries).map(([name, bytes]) => ({ name, bytes }));
  }
  return isTorchRun(files.map((f) => f.name)) ? files.filter((f) => RUN_FILE_NAMES.includes(baseName(f.name))) : null;
}

const bestOf = (history: readonly EpochRecord[]) =>
  history.reduce<EpochRecord | null>((b, e) => (Number.isFinite(e.dice) && (!b || e.dice > b.dice) ? e : b), null);

/**
 * Takes a RUN in: checked whole (refused with the file and tensor named, nothing touched), then saved
 * as a run with its whole history (origins kept) and its model as the latest checkpoint, and made the
 * imported model. With data loaded at its size and no run going, the run opens at once, tested on its
 * own split (its car ids), so the charts, the test table and cut-outs show it.
 */
export async function importTorchRun(ctx: RunContext, id: number, chosen: readonly ImportFile[]): Promise<void> {
  let model: tf.LayersModel;
  let studio: ReturnType<typeof readTorchRun>['studio'];
  let optimizer: ReturnType<typeof readTorchRun>['optimizer'];
  try {
    const files = runFilesOf(chosen);
    if (!files) throw new TorchRunError(`${STUDIO_JSON} and ${WEIGHTS_NAME} were not found among the chosen files`);
    ({ model, studio, optimizer } = readTorchRun(files));
  } catch (error) {
    if (error instanceof TorchRunError || error instanceof SafetensorsError) throw new Error(`Import refused: ${error.message}`, { cause: error });
    throw error;
  }
  const history = studio.history;
  const base = importedRun({ name: studio.run.name, config: studio.config, history: [] }, model, Date.now());
  if (!base.ok) {
    disposeModel(model);
    throw new Error(`Import refused: ${STUDIO_JSON} does not fit the model: ${base.reason.replace(/^run\.json does not fit this model: /, '')}`);
  }
  const last = history[history.length - 1];
  const best = bestOf(history);
  const torchEpochs = history.filter((e) => e.origin === 'torch').map((e) => e.epoch);
  const epochs = Math.max(studio.config.epochs, history.length);
  const where = torchEpochs.length ? `epochs ${torchEpochs[0]}-${torchEpochs[torchEpochs.length - 1]} on PyTorch` : 'no epochs on PyTorch';
  const run: RunRecord = {
    ...base.run,
    name: `${studio.run.name} (PyTorch)`,
    status: history.length >= epochs ? 'done' : 'stopped',
    config: { ...base.run.config, epochs },
    split: studio.split,
    history,
    best: best && { epoch: best.epoch, dice: best.dice },
    message: `Came back from PyTorch (${studio.source.job}): ${history.length} epochs, ${where}.`,
  };
  const progress: Progress = {
    ...base.progress,
    epoch: history.length,
    step: last?.step ?? 0,
    history,
    bestDice: best?.dice ?? -Infinity,
    bestEpoch: best?.epoch ?? -1,
  };
  // The cluster's Adam moments (or momentum) come home with the weights: continuing here keeps them.
  const saved = await ctx.store.save(id, (db) => saveImportedRun(db, model, { run, progress }, optimizer));
  if (ctx.importedModel) disposeModel(ctx.importedModel);
  ctx.importedModel = model;
  if (saved) await ctx.store.list(id);

  const [, h, w] = model.inputs[0]!.shape as number[];
  let note = saved
    ? ` Its run "${run.name}" is in the runs list with its ${history.length} epochs (${where}).`
    : ' Its run could not be saved in this browser.';
  const loaded = ctx.session.dataset?.result.set;
  if (saved && run.status === 'done' && loaded && loaded.height === h && loaded.width === w && !ctx.current?.active) {
    try {
      // A finished run resumed trains nothing: it opens, tests its split, and its model drives the panels.
      await resume(ctx, id, run.id, 0);
      note += ' It is open: its test split is being scored.';
    } catch (error) {
      note += ` It cannot open on the data loaded now: ${(error as Error).message}`;
    }
  } else if (saved) {
    note += ctx.current?.active
      ? ' It opens when imported again after the run now training ends.'
      : ` To test it on its own split, load its data at ${h}x${w} and import it again; the runs list continues it here.`;
  }
  ctx.post({
    type: 'imported',
    id,
    message: `Imported a PyTorch run: ${studio.preset} for ${h}x${w} images (${countTrainableParams(model).toLocaleString('en-US')} parameters).${note}`,
  });
}
