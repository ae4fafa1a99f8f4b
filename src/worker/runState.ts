/** What the run modules (lifecycle, storage, export, prediction) share. */
import type * as tf from '@tensorflow/tfjs';
import type { Trainer, TrainerData } from '../ml/train/trainer';
import type { DeviceWatch } from './deviceLoss';
import type { RunRecord } from './persistence';
import type { Post } from './protocol';
import type { RunStore } from './runStore';
import type { LoadedDataset, Session } from './session';
import { StepLog } from './stepLog';

/**
 * A run's record as the worker holds it while it trains: its step series in columns (a StepLog, not
 * an object a step), with the rollbacks it dropped. `storedRun` makes the RunRecord that is saved and sent.
 */
export interface LiveRun extends Omit<RunRecord, 'steps' | 'rollbacks'> {
  steps: StepLog;
}

/** The live form of a stored record; a series saved with repeated steps (before rollbacks were dropped) comes back clean. */
export function liveRun({ steps, rollbacks, ...record }: RunRecord): LiveRun {
  return { ...record, steps: new StepLog(steps, rollbacks) };
}

/** The record to save or send: a fresh StepRecord[] built from the columns. */
export function storedRun({ steps, ...run }: LiveRun): RunRecord {
  return { ...run, steps: steps.toArray(), rollbacks: [...steps.rollbacks] };
}

/** The run training now, or the last one: its model, optimizer and split stay until the next run starts. */
export interface CurrentRun {
  trainer: Trainer;
  run: LiveRun;
  /** The run's own split, views of the session's set (the session may be re-split later). */
  data: TrainerData;
  /** Its loop is going (training, paused or testing). */
  active: boolean;
}

export interface RunContext {
  readonly post: Post;
  readonly session: Session;
  readonly store: RunStore;
  readonly watchDevice: DeviceWatch;
  current: CurrentRun | null;
  /** The last imported model, for inference and fine-tuning. */
  importedModel: tf.LayersModel | null;
}

export function requireDataset(ctx: RunContext): LoadedDataset {
  const loaded = ctx.session.dataset;
  if (!loaded) throw new Error('Load a dataset first (the sample dataset is one click away).');
  return loaded;
}
