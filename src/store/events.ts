/** Pure reducer from worker events to the page's state, so it can be tested without a worker. */
import type { DatasetSummary, IngestProgress } from '../data/ingest';
import type { Skipped } from '../data/pairing';
import type { BackendChoice } from '../ml/backend';
import type { SplitSummary, Thumbnail, WorkerEvent } from '../worker/protocol';
import { assertNever } from '../worker/protocol';

export type EnginePhase = 'starting' | 'ready' | 'failed';
export type RunPhase = 'idle' | 'building' | 'compiling' | 'training' | 'done' | 'failed';
export type DatasetPhase = 'empty' | 'loading' | 'ready' | 'failed';

export interface StepPoint {
  step: number;
  loss: number;
  ms: number;
}

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

export interface StudioState {
  engine: { phase: EnginePhase; choice: BackendChoice | null; error: string | null };
  dataset: DatasetState;
  run: {
    phase: RunPhase;
    requestId: number | null;
    message: string;
    steps: StepPoint[];
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

export const initialState: StudioState = {
  engine: { phase: 'starting', choice: null, error: null },
  dataset: initialDataset,
  run: { phase: 'idle', requestId: null, message: '', steps: [], numTensors: null, medianMs: null, params: null, error: null },
};

export function reduceEvent(state: StudioState, event: WorkerEvent): StudioState {
  switch (event.type) {
    case 'ready':
      return { ...state, engine: { phase: 'ready', choice: event.choice, error: null } };
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
          steps: [...state.run.steps, { step: event.step, loss: event.loss, ms: event.ms }],
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
      if (event.id !== state.dataset.requestId) return state;
      return {
        ...state,
        dataset: {
          ...state.dataset,
          phase: 'ready',
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
    case 'error':
      if (event.request === 'init' || (!event.request && state.engine.phase === 'starting')) {
        return { ...state, engine: { ...state.engine, phase: 'failed', error: event.message } };
      }
      if (event.request === 'ingest' || event.request === 'split') {
        return { ...state, dataset: { ...state.dataset, phase: event.request === 'ingest' ? 'failed' : state.dataset.phase, error: event.message } };
      }
      return { ...state, run: { ...state.run, phase: 'failed', error: event.message, message: event.message } };
    default:
      return assertNever(event);
  }
}
