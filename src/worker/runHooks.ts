/**
 * What a run does as it trains: every step, epoch, overlay, change and checkpoint goes to the page,
 * into the run's record, and (checkpoints, pauses) into IndexedDB. Storage failures are reported
 * by `save` and never stop training.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpointBytes, type Checkpoint } from '../ml/io/checkpoint';
import { withLiveSetting } from '../ml/train/config';
import type { Progress, TrainerHooks } from '../ml/train/trainer';
import type { StudioDb } from './persistence';
import type { Post } from './protocol';
import { storedRun, type LiveRun } from './runState';

/** A checkpoint as stored: the weights and optimizer state, and where the run was. */
export interface StoredState {
  checkpoint: Checkpoint;
  progress: Progress;
}

/** The Trainer's hooks for `run`, posting events tagged with the request `id` that started it. */
export function runHooks(id: number, run: LiveRun, post: Post, save: (what: (db: StudioDb) => Promise<void>) => Promise<boolean>): TrainerHooks {
  return {
    onStep: ({ step, epoch, loss, learningRate, ms }) => {
      // After a NaN rollback the step numbers go back: the log drops the undone steps.
      run.steps.push({ step, loss, learningRate });
      const { numTensors, numBytes } = tf.memory();
      post({ type: 'train-step', id, runId: run.id, step, epoch, loss, learningRate, ms, numTensors, numBytes });
    },
    onEpoch: (record, extra) => {
      run.history.push(record);
      run.updatedAt = Date.now();
      post({ type: 'epoch', id, runId: run.id, record, ...extra });
    },
    onOverlays: ({ epoch, step, maps }) =>
      post(
        { type: 'overlays', id, runId: run.id, epoch, step, maps },
        maps.map((m) => m.probabilities.buffer),
      ),
    onChange: (change) => {
      run.changes.push(change);
      // The record holds the settings as they stand: a resume and run.json must not revert them.
      run.config = withLiveSetting(run.config, change.field, change.to);
      run.updatedAt = Date.now();
      post({ type: 'config-change', id, runId: run.id, change });
      void save((db) => db.putRun(storedRun(run)));
    },
    onCheckpoint: async (kind, checkpoint, progress) => {
      if (kind === 'best') run.best = { epoch: progress.bestEpoch, dice: progress.bestDice };
      run.updatedAt = Date.now();
      const bytes = checkpointBytes(checkpoint);
      const saved = await save(async (db) => {
        await db.putCheckpoint<StoredState>(run.id, kind, { checkpoint, progress: structuredClone(progress) }, bytes);
        await db.putRun(storedRun(run));
      });
      post({ type: 'checkpoint', id, runId: run.id, kind, epoch: checkpoint.epoch, step: checkpoint.step, bytes, saved });
    },
    onStatus: (state) => {
      run.status = state.status;
      run.reason = state.reason;
      // The record keeps a sentence only where it explains something (why the NaN guard paused it).
      run.message = state.reason === 'nan' ? state.message : null;
      post({ type: 'run-status', id, runId: run.id, ...state });
      if (state.status === 'paused') void save((db) => db.putRun(storedRun(run)));
    },
  };
}
