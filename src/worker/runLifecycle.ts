/**
 * Starting, resuming and steering runs. Training goes on in the background while other requests
 * are answered; controls reach the Trainer directly. One run's model lives at a time.
 */
import type * as tf from '@tensorflow/tfjs';
import { splitView } from '../data/dataset';
import { restoreOptimizer, restoreWeights } from '../ml/io/checkpoint';
import { buildPreset, countTrainableParams } from '../ml/model';
import { withChanges, withMoreEpochs, type LiveSettings, type TrainConfig } from '../ml/train/config';
import { disposeModel } from '../ml/train/disposeModel';
import { createOptimizer } from '../ml/train/optimizer';
import { Trainer, type Progress, type RunOutcome, type RunState } from '../ml/train/trainer';
import { deviceLoss } from './deviceLoss';
import { overlaySource } from './inference';
import { newRunId, type RunRecord } from './persistence';
import type { OverlaySource, RunAction } from './protocol';
import { dataForRun, datasetOf, saveRunWithData } from './runData';
import { importedCopy } from './runExport';
import { runHooks, type StoredState } from './runHooks';
import { liveRun, requireDataset, storedRun, type CurrentRun, type RunContext } from './runState';
import type { LoadedDataset } from './session';

function modelOverrides({ height, width, base }: TrainConfig) {
  return { height, width, ...(base !== undefined && { base }) };
}

/**
 * The finished run's model and optimizer go when the next run is about to build its own (export,
 * predict and inspect use them until then): without this each run kept its model and optimizer
 * state on the device, ~200 MB a run of seed-unet.
 */
function releaseFinished(ctx: RunContext): void {
  const finished = ctx.current;
  if (!finished) return;
  if (finished.active) throw new Error('A run is already going: stop it before starting another.');
  ctx.current = null;
  disposeModel(finished.trainer.model, finished.trainer.optimizer);
}

export async function start(ctx: RunContext, id: number, requested: TrainConfig, name: string, fromImported = false): Promise<void> {
  if (ctx.current?.active) throw new Error('A run is already going: stop it before starting another.');
  const loaded = requireDataset(ctx);
  const { set } = loaded.result;
  const base = fromImported ? await importedCopy(ctx, set.height, set.width) : null;
  const config: TrainConfig = { ...requested, height: set.height, width: set.width, ...(base && { preset: base.preset }) };
  releaseFinished(ctx);
  const model = base?.model ?? buildPreset(config.preset, modelOverrides(config));
  const now = Date.now();
  const run: RunRecord = {
    id: newRunId(),
    name,
    createdAt: now,
    updatedAt: now,
    status: 'compiling',
    reason: null,
    config,
    split: loaded.splitSummary,
    history: [],
    steps: [],
    changes: [],
    best: null,
    test: null,
    dataset: datasetOf(loaded, ctx.session.source),
    message: null,
  };
  await ctx.store.save(id, (db) => saveRunWithData(db, run, loaded, ctx.session.source));
  launch(ctx, id, model, createOptimizer(config.optimizer), run, loaded, undefined);
}

export async function resume(ctx: RunContext, id: number, runId: string, moreEpochs = 0): Promise<void> {
  if (ctx.current?.active) throw new Error('A run is already going: stop it before resuming another.');
  const db = await ctx.store.db(id);
  if (!db) throw new Error('Browser storage is not available, so there is no saved run to resume.');
  const run = await db.getRun(runId);
  const stored = await db.getCheckpoint<StoredState>(runId, 'latest');
  if (!run || !stored) throw new Error(`Run ${runId} has no saved checkpoint to resume from.`);
  const own = await dataForRun(ctx, id, db, run);
  // Live changes made after the checkpoint (and in records saved before the config followed them) count.
  run.config = withChanges(run.config, run.changes);
  // More epochs are asked for by count: a guided run's time limit and budgeted schedule span go (withMoreEpochs).
  if (moreEpochs > 0) run.config = withMoreEpochs(run.config, run.history.length, moreEpochs);
  const progress: Progress = { ...stored.progress, learningRate: run.config.optimizer.learningRate };
  releaseFinished(ctx);
  const model = buildPreset(run.config.preset, modelOverrides(run.config));
  let optimizer: tf.Optimizer;
  try {
    await restoreWeights(model, stored.checkpoint);
    optimizer = (await restoreOptimizer(stored.checkpoint, model)) ?? createOptimizer(run.config.optimizer);
  } catch (error) {
    disposeModel(model); // a checkpoint that does not fit leaves no model behind
    throw error;
  }
  [run.status, run.reason] = ['compiling', null];
  launch(ctx, id, model, optimizer, run, own, progress);
}

/** Trains `run` on its split of `loaded` (views of the one decoded set, no copies). */
function launch(
  ctx: RunContext,
  id: number,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  record: RunRecord,
  loaded: LoadedDataset,
  progress: Progress | undefined,
): void {
  const run = liveRun(record);
  const { set } = loaded.result;
  const data = { train: splitView(set, loaded.indices.train), val: splitView(set, loaded.indices.val), test: splitView(set, loaded.indices.test) };
  let trainer: Trainer;
  try {
    trainer = new Trainer(
      model,
      optimizer,
      run.config,
      data,
      runHooks(id, run, ctx.post, (what) => ctx.store.save(id, what)),
      progress,
    );
  } catch (error) {
    disposeModel(model, optimizer);
    throw error;
  }
  const current: CurrentRun = { trainer, run, data, active: true };
  ctx.current = current;
  const sources: OverlaySource[] = trainer.trackedIndices.map((i) => overlaySource(data.val, i));
  ctx.post({ type: 'run-started', id, run: storedRun(run), params: countTrainableParams(model), sources, resumed: progress != null });
  void loop(ctx, id, current, deviceLoss(ctx.watchDevice, trainer));
}

async function loop(ctx: RunContext, id: number, current: CurrentRun, lost: Promise<never>): Promise<void> {
  const { trainer, run } = current;
  let outcome: RunOutcome;
  try {
    // After a NaN the trainer has paused itself; the next run() waits for resume.
    while ((outcome = await Promise.race([trainer.run(), lost])) === 'nan');
    if (outcome !== 'stopped') {
      const result = await Promise.race([trainer.test(), lost]);
      run.test = result.mean;
      ctx.post({ type: 'test-result', id, runId: run.id, result });
    }
    const ending: RunState =
      outcome === 'stopped'
        ? { status: 'stopped', reason: 'user', message: 'Stopped: everything trained so far is kept.' }
        : outcome === 'early-stopped'
          ? { status: 'done', reason: 'early-stopping', message: 'Stopped early: validation Dice stopped improving.' }
          : { status: 'done', reason: null, message: 'Done' };
    [run.status, run.reason] = [ending.status, ending.reason];
    run.message = ending.reason === 'early-stopping' ? ending.message : null;
    ctx.post({ type: 'run-status', id, runId: run.id, ...ending });
  } catch (error) {
    // Out of memory or a lost GPU device: the last checkpoint is in IndexedDB; another backend can resume it.
    [run.status, run.reason] = ['failed', 'error'];
    run.message = `${(error as Error).message}. The last checkpoint is saved: choose another backend and resume this run.`;
    ctx.post({ type: 'run-status', id, runId: run.id, status: 'failed', reason: 'error', message: run.message });
  } finally {
    current.active = false;
    run.updatedAt = Date.now();
    await ctx.store.save(id, (db) => db.putRun(storedRun(run)));
  }
}

export function control(ctx: RunContext, action: RunAction): void {
  const trainer = ctx.current?.trainer;
  if (!trainer) throw new Error('No run to control.');
  if (action === 'pause') trainer.pause();
  else if (action === 'resume') trainer.resume();
  else trainer.stop();
}

export function update(ctx: RunContext, settings: Partial<LiveSettings>): void {
  if (!ctx.current?.active) throw new Error('No live run: the change will apply to the next run.');
  ctx.current.trainer.update(settings);
}

export function overlaysNow(ctx: RunContext): void {
  ctx.current?.trainer.requestOverlays();
}

export async function remove(ctx: RunContext, id: number, runId: string): Promise<void> {
  if (ctx.current?.active && ctx.current.run.id === runId) throw new Error('Stop this run before deleting it.');
  await ctx.store.remove(id, runId);
}
