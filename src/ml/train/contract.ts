/** What the Trainer takes and gives: its data, the progress it saves, its hooks and its results. */
import type { Pairs } from '../../data/dataset';
import type { Checkpoint } from '../io/checkpoint';
import type { Metrics } from '../metrics';
import type { ConfigChange, EpochRecord, StepReport, TrainConfig } from './config';
import type { ProbabilityMap } from './predict';

/** A run's split: views of one decoded set in the worker (never copies of it). */
export interface TrainerData {
  train: Pairs;
  val: Pairs;
  test: Pairs;
}

/** Where a run stands; saved with each checkpoint so a run resumes exactly. */
export interface Progress {
  epoch: number;
  /** Batches of `epoch` already trained. */
  batchInEpoch: number;
  step: number;
  history: EpochRecord[];
  bestDice: number;
  bestEpoch: number;
  /** The base learning rate after live changes (schedules scale it). */
  learningRate: number;
  plateauMultiplier: number;
}

/** How one call of Trainer.run() returned (the run's status follows from it). */
export type RunOutcome = 'done' | 'stopped' | 'early-stopped' | 'nan';

/** What a run is doing: one vocabulary from the trainer through the worker's events and storage to the page. */
export type RunStatus = 'compiling' | 'training' | 'evaluating' | 'paused' | 'stopped' | 'done' | 'failed';
/** Why a run is paused, stopped, done or failed, where a person or a program acts on it; null when nothing needs telling. */
export type RunReason = 'user' | 'nan' | 'early-stopping' | 'error';
/** A status with its reason and the sentence the page shows: states are told apart by these, never by the sentence. */
export interface RunState {
  status: RunStatus;
  reason: RunReason | null;
  message: string;
}

export interface TrainerHooks {
  /** `learningRate` is read back from the optimizer: the rate the step really used. */
  onStep(report: StepReport & { epoch: number }): void;
  onEpoch(record: EpochRecord, extra: { etaSeconds: number; numTensors: number; numBytes: number }): void;
  onOverlays(overlays: { epoch: number; step: number; maps: ProbabilityMap[] }): void;
  onChange(change: ConfigChange): void;
  onCheckpoint(kind: 'latest' | 'best', checkpoint: Checkpoint, progress: Progress): Promise<void> | void;
  onStatus(state: RunState): void;
}

export interface TestResult {
  mean: Metrics;
  loss: number;
  /** The probability above which a pixel counted as car. */
  threshold: number;
  perImage: Array<Metrics & { name: string }>;
}

export function initialProgress(config: TrainConfig): Progress {
  return {
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    history: [],
    bestDice: -Infinity,
    bestEpoch: -1,
    learningRate: config.optimizer.learningRate,
    plateauMultiplier: 1,
  };
}
