/** Pure reducer from worker events to the page's state, so it can be tested without a worker. */
import type { DatasetSummary, IngestProgress } from '../data/ingest';
import type { Skipped } from '../data/pairing';
import type { BackendChoice } from '../ml/backend';
import type { ConfigChange, EpochRecord, StepRecord, StepReport } from '../ml/train/config';
import type { ProbabilityMap } from '../ml/train/predict';
import type { RunPlan } from '../ml/train/recipe';
import type { RunReason, RunStatus, TestResult } from '../ml/train/trainer';
import type { OutsideRequests } from '../worker/outsideRequests';
import type { OverlaySource, PredictionResult, RunSummary, SplitSummary, Thumbnail, WorkerEvent } from '../worker/protocol';
import { assertNever } from '../worker/protocol';
import { routeError } from './errors';
import { appendStep, stepSeries, type Rollback } from './steps';

export type EnginePhase = 'starting' | 'ready' | 'failed';
/** The Quick check's own phases (a timing run of a few steps, not a saved run). */
export type QuickCheckPhase = 'idle' | 'building' | 'compiling' | 'training' | 'done' | 'failed';
export type DatasetPhase = 'empty' | 'loading' | 'ready' | 'failed';

export interface DatasetState {
  phase: DatasetPhase;
  requestId: number | null;
  /** Where the files came from, for the summary ("folder carvana512-sample", "sample dataset"). */
  source: string;
  progress: IngestProgress | null;
  summary: DatasetSummary | null;
  skipped: Skipped[];
  notes: Skipped[];
  size: { height: number; width: number } | null;
  thumbnails: Thumbnail[];
  split: SplitSummary | null;
  error: string | null;
}

export interface TrainingState {
  phase: 'idle' | 'starting' | RunStatus;
  /** Why the run is in its phase (a NaN pause, early stopping...): the page tells states apart by this. */
  reason: RunReason | null;
  requestId: number | null;
  run: RunSummary | null;
  params: number | null;
  message: string;
  /** Strictly increasing in step: a NaN rollback drops the undone steps and adds a rollback. */
  steps: StepRecord[];
  rollbacks: Rollback[];
  history: EpochRecord[];
  changes: ConfigChange[];
  sources: OverlaySource[];
  /** Overlays by epoch, oldest first, for the epoch scrubber. */
  overlays: Array<{ epoch: number; step: number; maps: ProbabilityMap[] }>;
  etaSeconds: number | null;
  memory: { numTensors: number; numBytes: number; step: number } | null;
  lastCheckpoint: { kind: 'latest' | 'best'; epoch: number; saved: boolean } | null;
  /** Epoch of the saved checkpoint with the best validation Dice, once there is one. */
  bestEpoch: number | null;
  test: TestResult | null;
  error: string | null;
}

/** One test image opened from the test table: the worker predicts it on request. */
export interface TestInspection {
  name: string;
  phase: 'loading' | 'ready' | 'failed';
  source: OverlaySource | null;
  map: ProbabilityMap | null;
  error: string | null;
}

/** "Best model in N minutes" before its run starts: what it is timing, then the recipe's choice (the run itself is `training`). */
export interface GuidedState {
  phase: 'idle' | 'timing' | 'chosen' | 'failed';
  requestId: number | null;
  minutes: number;
  message: string;
  plan: RunPlan | null;
  error: string | null;
}

export const initialGuided: GuidedState = { phase: 'idle', requestId: null, minutes: 5, message: '', plan: null, error: null };

export interface StudioState {
  engine: { phase: EnginePhase; choice: BackendChoice | null; error: string | null; message?: string };
  dataset: DatasetState;
  training: TrainingState;
  runs: RunSummary[];
  /** A failed list or delete of saved runs, shown in the runs panel. */
  runsError: string | null;
  storageError: string | null;
  imported: string | null;
  /** `answered` counts the predictions that came back, so a reader can tell a new set of results from the last. */
  inference: { phase: 'idle' | 'running' | 'ready'; model: 'run' | 'imported'; results: PredictionResult[]; error: string | null; answered: number };
  inspection: TestInspection | null;
  guided: GuidedState;
  /** The training worker's requests to other origins (the page counts its own): the privacy read-out. */
  workerOutsideRequests: OutsideRequests;
  run: {
    phase: QuickCheckPhase;
    requestId: number | null;
    message: string;
    steps: StepReport[];
    numTensors: number | null;
    medianMs: number | null;
    params: number | null;
    error: string | null;
  };
}

export const initialDataset: DatasetState = {
  phase: 'empty',
  requestId: null,
  source: '',
  progress: null,
  summary: null,
  skipped: [],
  notes: [],
  size: null,
  thumbnails: [],
  split: null,
  error: null,
};

export const initialTraining: TrainingState = {
  phase: 'idle',
  reason: null,
  requestId: null,
  run: null,
  params: null,
  message: '',
  steps: [],
  rollbacks: [],
  history: [],
  changes: [],
  sources: [],
  overlays: [],
  etaSeconds: null,
  memory: null,
  lastCheckpoint: null,
  bestEpoch: null,
  test: null,
  error: null,
};

const LIVE_PHASES = new Set<TrainingState['phase']>(['starting', 'compiling', 'training', 'paused', 'evaluating']);

/** A run is live from start until it stops, finishes or fails: model, size and batch are locked. */
export function isRunLive(phase: TrainingState['phase']): boolean {
  return LIVE_PHASES.has(phase);
}

function training(state: StudioState, runId: string, patch: Partial<TrainingState>): StudioState {
  if (state.training.run?.id !== runId) return state;
  return { ...state, training: { ...state.training, ...patch } };
}

export const initialState: StudioState = {
  engine: { phase: 'starting', choice: null, error: null },
  dataset: initialDataset,
  training: initialTraining,
  runs: [],
  runsError: null,
  storageError: null,
  imported: null,
  inference: { phase: 'idle', model: 'run', results: [], error: null, answered: 0 },
  inspection: null,
  guided: initialGuided,
  workerOutsideRequests: { sent: 0, blocked: 0 },
  run: { phase: 'idle', requestId: null, message: '', steps: [], numTensors: null, medianMs: null, params: null, error: null },
};

export function reduceEvent(state: StudioState, event: WorkerEvent): StudioState {
  switch (event.type) {
    case 'ready':
      return { ...state, engine: { phase: 'ready', choice: event.choice, error: null } };
    case 'engine-progress':
      return { ...state, engine: { ...state.engine, message: event.message } };
    case 'progress':
      if (event.id !== state.run.requestId) return state;
      return { ...state, run: { ...state.run, phase: event.phase, message: event.message } };
    case 'step':
      if (event.id !== state.run.requestId) return state;
      return {
        ...state,
        run: {
          ...state.run,
          phase: 'training',
          steps: [...state.run.steps, { step: event.step, loss: event.loss, learningRate: event.learningRate, ms: event.ms }],
          numTensors: event.numTensors,
        },
      };
    case 'done':
      if (event.id !== state.run.requestId) return state;
      return { ...state, run: { ...state.run, phase: 'done', message: 'Done', medianMs: event.medianMs, params: event.params } };
    case 'ingest-progress':
      if (event.id !== state.dataset.requestId) return state;
      return { ...state, dataset: { ...state.dataset, progress: event.progress } };
    case 'dataset':
      // A resumed run may bring back its stored dataset: take it unless another load is under way.
      if (state.dataset.phase === 'loading' && event.id !== state.dataset.requestId) return state;
      return {
        ...state,
        dataset: {
          ...state.dataset,
          phase: 'ready',
          source: event.label,
          summary: event.summary,
          skipped: event.skipped,
          notes: event.notes,
          size: event.size,
          thumbnails: event.thumbnails,
          error: null,
        },
      };
    case 'split':
      return { ...state, dataset: { ...state.dataset, split: event.split } };
    case 'run-started': {
      // Records saved before the worker dropped rolled-back steps hold repeated steps: stepSeries cleans them.
      const { steps, rollbacks = [], ...run } = event.run;
      const series = stepSeries(steps);
      return {
        ...state,
        inspection: null,
        training: {
          ...initialTraining,
          phase: 'compiling',
          requestId: event.id,
          run,
          params: event.params,
          message: event.resumed ? `Resumed at epoch ${run.history.length}` : 'Starting',
          steps: series.steps,
          rollbacks: [...rollbacks, ...series.rollbacks],
          history: run.history,
          changes: run.changes,
          sources: event.sources,
          bestEpoch: run.best?.epoch ?? null,
        },
      };
    }
    case 'run-status':
      return training(state, event.runId, {
        phase: event.status,
        reason: event.reason,
        message: event.message,
        error: event.status === 'failed' ? event.message : null,
      });
    case 'train-step':
      return training(state, event.runId, {
        ...appendStep(state.training, { step: event.step, loss: event.loss, learningRate: event.learningRate }),
        memory: { numTensors: event.numTensors, numBytes: event.numBytes, step: event.step },
      });
    case 'epoch':
      return training(state, event.runId, {
        history: [...state.training.history, event.record],
        etaSeconds: event.etaSeconds,
      });
    case 'overlays':
      return training(state, event.runId, {
        overlays: [...state.training.overlays.filter((o) => o.step !== event.step), { epoch: event.epoch, step: event.step, maps: event.maps }],
      });
    case 'config-change':
      return training(state, event.runId, { changes: [...state.training.changes, event.change] });
    case 'checkpoint':
      return training(state, event.runId, {
        lastCheckpoint: { kind: event.kind, epoch: event.epoch, saved: event.saved },
        ...(event.kind === 'best' && event.saved && { bestEpoch: event.epoch }),
      });
    case 'test-result':
      return training(state, event.runId, { test: event.result });
    case 'test-inspection':
      if (state.training.run?.id !== event.runId || state.inspection?.name !== event.source.name) return state;
      return { ...state, inspection: { name: event.source.name, phase: 'ready', source: event.source, map: event.map, error: null } };
    case 'export-ready':
      return state;
    case 'prediction':
      return {
        ...state,
        inference: { phase: 'ready', model: event.model, results: event.results, error: null, answered: state.inference.answered + 1 },
      };
    case 'imported':
      return { ...state, imported: event.message };
    case 'runs':
      return { ...state, runs: event.runs, runsError: null };
    case 'storage-error':
      return { ...state, storageError: event.message };
    case 'outside-requests':
      return { ...state, workerOutsideRequests: event.counts };
    case 'plan-progress':
      if (event.id !== state.guided.requestId) return state;
      return { ...state, guided: { ...state.guided, message: event.message } };
    case 'plan':
      if (event.id !== state.guided.requestId) return state;
      return { ...state, guided: { ...state.guided, phase: 'chosen', message: '', plan: event.plan } };
    case 'error':
      return routeError(state, event);
    default:
      return assertNever(event);
  }
}
