/** What a run is made of, and the records it leaves. Plain JSON: saved in IndexedDB and exported as run.json. */
import type { AugmentOptions } from '../../data/augment';
import { DEFAULT_AUGMENT } from '../../data/augment';
import { DEFAULT_LOSS, type LossWeights } from '../loss';
import type { Metrics } from '../metrics';
import type { PresetName } from '../model/presets';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from './optimizer';
import { DEFAULT_SCHEDULE, type ScheduleConfig } from './schedule';

export interface TrainConfig {
  preset: PresetName;
  height: number;
  width: number;
  /** Channels of the first encoder block when not the preset's own (the bench's narrow seed-unet). */
  base?: number;
  batchSize: number;
  epochs: number;
  optimizer: OptimizerConfig;
  loss: LossWeights;
  augment: AugmentOptions;
  schedule: ScheduleConfig;
  /** Epochs without a better validation Dice before stopping; 0 never stops early. */
  earlyStoppingPatience: number;
  /** Overlays of the tracked validation images every this many epochs. */
  overlayEvery: number;
  overlayCount: number;
  /** Probability above which a pixel is car, for metrics and overlays. */
  threshold: number;
  seed: number;
  /**
   * The run ends (done, tested) once it has trained this long: training and evaluation count, pauses do
   * not. Absent: no limit. `npm run train -- --minutes` and the page's guided run both set it.
   */
  timeLimitMinutes?: number;
  /** What the guided run's recipe chose and why (see ml/train/recipe.ts); absent when the settings were chosen by hand. */
  recipe?: string;
  /** Progressive resizing: the run's first `steps` steps train on its images downsampled to this size. */
  smallFirst?: SmallFirst;
}

/** Small images first (model/anySize.ts): a size below the run's and the steps trained at it. */
export interface SmallFirst {
  height: number;
  width: number;
  steps: number;
}

/** Settings a live run accepts; the rest need a new model or new data. */
export interface LiveSettings {
  learningRate: number;
  loss: LossWeights;
  augment: AugmentOptions;
  overlayEvery: number;
  threshold: number;
}

export const LIVE_FIELDS = ['learningRate', 'loss', 'augment', 'overlayEvery', 'threshold'] as const;

/**
 * The config with one live setting changed. A changed learning rate becomes the optimizer's base
 * rate, so a resumed run and an exported run.json carry the settings as they stand.
 */
export function withLiveSetting(config: TrainConfig, field: keyof LiveSettings, value: unknown): TrainConfig {
  if (field === 'learningRate') return { ...config, optimizer: { ...config.optimizer, learningRate: value as number } };
  return { ...config, [field]: structuredClone(value) };
}

/** The value of one live setting in a config (the inverse of withLiveSetting). */
export function liveValueOf<K extends keyof LiveSettings>(config: TrainConfig, field: K): LiveSettings[K] {
  const value = field === 'learningRate' ? config.optimizer.learningRate : config[field as Exclude<keyof LiveSettings, 'learningRate'>];
  return structuredClone(value) as LiveSettings[K];
}

/** The config after a run's recorded changes, oldest first (runs saved before configs followed their changes). */
export function withChanges(config: TrainConfig, changes: readonly ConfigChange[]): TrainConfig {
  return changes.reduce((current, change) => withLiveSetting(current, change.field, change.to), config);
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  preset: 'transunet',
  height: 128,
  width: 192,
  batchSize: 4,
  epochs: 10,
  optimizer: DEFAULT_OPTIMIZER,
  loss: DEFAULT_LOSS,
  augment: DEFAULT_AUGMENT,
  schedule: DEFAULT_SCHEDULE,
  earlyStoppingPatience: 0,
  overlayEvery: 1,
  overlayCount: 6,
  threshold: 0.5,
  seed: 1,
};

export interface EpochRecord extends Metrics {
  epoch: number;
  /** Global step count at the end of the epoch. */
  step: number;
  trainLoss: number;
  valLoss: number;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
  /** Where the epoch was trained: in the studio (absent: the studio) or on PyTorch from an exported job ('torch'). */
  origin?: 'studio' | 'torch';
}

/** A hyperparameter changed during a run, at a step (the charts mark it). */
export interface ConfigChange {
  step: number;
  epoch: number;
  field: keyof LiveSettings;
  from: unknown;
  to: unknown;
}

/** One training step as it is kept: what runs save and the step charts draw. */
export interface StepRecord {
  step: number;
  loss: number;
  learningRate: number;
}

/** A step as it happens: its record plus its wall time, including the read-back of its loss. */
export interface StepReport extends StepRecord {
  ms: number;
}

/**
 * The trainer went back to a checkpoint (after a NaN): the series restarts after `step`, having
 * reached `from`. The steps in between were undone: they leave the series, and the charts mark it.
 */
export interface Rollback {
  step: number;
  from: number;
}

/**
 * The one rule for a step series, kept by the worker's record and the page's chart alike: a step at
 * or below the last one means the trainer restored the checkpoint at `step - 1`. Null: no rollback.
 */
export function rollbackAt(lastStep: number | undefined, step: number): Rollback | null {
  return lastStep !== undefined && step <= lastStep ? { step: step - 1, from: lastStep } : null;
}

/**
 * A run continued for `more` epochs after `done`: its time limit goes (it would cut them short), and so does a
 * budgeted schedule's span (the new epochs would all train at its floor rate): the schedule spans the epochs again.
 */
export function withMoreEpochs(config: TrainConfig, done: number, more: number): TrainConfig {
  const { totalSteps: _span, ...schedule } = config.schedule;
  return { ...config, epochs: done + more, timeLimitMinutes: undefined, schedule };
}
