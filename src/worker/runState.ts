/** What the run modules (lifecycle, storage, export, prediction) share. */
import type * as tf from '@tensorflow/tfjs';
import type { Trainer, TrainerData } from '../ml/train/trainer';
import type { DeviceWatch } from './deviceLoss';
import type { RunRecord } from './persistence';
import type { Post } from './protocol';
import type { RunStore } from './runStore';
import type { LoadedDataset, Session } from './session';

/** The run training now, or the last one: its model, optimizer and split stay until the next run starts. */
export interface CurrentRun {
  trainer: Trainer;
  run: RunRecord;
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
