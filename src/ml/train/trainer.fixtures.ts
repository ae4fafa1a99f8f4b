/** Small data, config and a recording of the hooks, shared by the Trainer tests. */
import * as tf from '@tensorflow/tfjs';
import { NO_AUGMENT } from '../../data/augment';
import { splitView } from '../../data/dataset';
import { ellipseDataset } from '../../data/shapes';
import type { Checkpoint } from '../io/checkpoint';
import { buildPreset } from '../model/build';
import { DEFAULT_TRAIN_CONFIG, type ConfigChange, type EpochRecord, type TrainConfig } from './config';
import { createOptimizer } from './optimizer';
import { Trainer, type Progress, type TrainerData, type TrainerHooks } from './trainer';

export const [H, W] = [16, 32];

export function data(train = 8, val = 4, test = 4): TrainerData {
  const all = ellipseDataset(train + val + test, H, W, 3);
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  // Views of one set, as the worker hands the Trainer its split.
  return { train: splitView(all, range(0, train)), val: splitView(all, range(train, val)), test: splitView(all, range(train + val, test)) };
}

export function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_TRAIN_CONFIG, preset: 'tiny', height: H, width: W, batchSize: 4, epochs: 2, augment: NO_AUGMENT, overlayCount: 3, ...overrides };
}

export interface Recorded {
  steps: Array<{ step: number; loss: number; learningRate: number }>;
  epochs: EpochRecord[];
  overlays: Array<{ epoch: number; count: number; size: number }>;
  changes: ConfigChange[];
  checkpoints: Array<{ kind: string; checkpoint: Checkpoint; progress: Progress }>;
  statuses: string[];
  numTensors: number[];
}

export function recorder(onStep?: (step: number, trainer: () => Trainer) => void) {
  const recorded: Recorded = { steps: [], epochs: [], overlays: [], changes: [], checkpoints: [], statuses: [], numTensors: [] };
  let trainer: Trainer;
  const hooks: TrainerHooks = {
    onStep: (r) => {
      recorded.steps.push(r);
      recorded.numTensors.push(tf.memory().numTensors);
      onStep?.(r.step, () => trainer);
    },
    onEpoch: (r) => recorded.epochs.push(r),
    onOverlays: (o) => recorded.overlays.push({ epoch: o.epoch, count: o.maps.length, size: o.maps[0]?.probabilities.length ?? 0 }),
    onChange: (c) => recorded.changes.push(c),
    onCheckpoint: (kind, checkpoint, progress) => void recorded.checkpoints.push({ kind, checkpoint, progress: structuredClone(progress) }),
    onStatus: ({ status, reason, message }) => void recorded.statuses.push(`${status}/${reason}: ${message}`),
  };
  return { recorded, hooks, bind: (t: Trainer) => (trainer = t) };
}

export function makeTrainer(cfg: TrainConfig, d: TrainerData, hooks: TrainerHooks, progress?: Progress) {
  const model = buildPreset('tiny', { height: H, width: W });
  return new Trainer(model, createOptimizer(cfg.optimizer), cfg, d, hooks, progress);
}

export function dispose(t: Trainer) {
  t.optimizer.dispose();
  t.model.dispose();
}
