/** Where a failed request's message shows: the part of the page where the person acted. */
import type { Request, WorkerEvent } from '../worker/protocol';
import { assertNever } from '../worker/protocol';
import type { StudioState } from './events';

/** The slices that show errors, each in its own panel. */
export type ErrorOwner = 'engine' | 'quick-check' | 'dataset' | 'training' | 'inspection' | 'inference' | 'runs' | 'guided';

/**
 * Every request type names its owner: a Record over the union, so a new request type does not
 * compile until it chooses where its failures show.
 */
export const ERROR_OWNER: Record<Request['type'], ErrorOwner> = {
  init: 'engine',
  'demo-train': 'quick-check',
  stop: 'quick-check',
  ingest: 'dataset',
  'cancel-ingest': 'dataset',
  split: 'dataset',
  'train-start': 'training',
  // Pause/resume/stop, live settings, overlays and test scoring all act on the live run.
  'train-control': 'training',
  'train-update': 'training',
  'overlays-now': 'training',
  'test-now': 'training',
  export: 'training',
  import: 'training',
  // Clicked in the runs list, but the Training panel shows "Loading the checkpoint..." until it fails.
  'run-resume': 'training',
  'inspect-test': 'inspection',
  predict: 'inference',
  'runs-list': 'runs',
  'run-delete': 'runs',
  // Timing for "Best model in N minutes": its panel says what failed.
  'plan-run': 'guided',
};

type ErrorEvent = Extract<WorkerEvent, { type: 'error' }>;

/** The worker itself failed (no request): the engine's panel says so; before it was ready, it failed to start. */
function workerFailure(state: StudioState, message: string): StudioState {
  const phase = state.engine.phase === 'starting' ? 'failed' : state.engine.phase;
  return { ...state, engine: { ...state.engine, phase, error: message } };
}

export function routeError(state: StudioState, event: ErrorEvent): StudioState {
  const { request, message } = event;
  if (!request) return workerFailure(state, message);
  const owner = ERROR_OWNER[request];
  switch (owner) {
    case 'engine':
      return { ...state, engine: { ...state.engine, phase: 'failed', error: message } };
    case 'quick-check':
      return { ...state, run: { ...state.run, phase: 'failed', error: message, message } };
    case 'dataset':
      return { ...state, dataset: { ...state.dataset, phase: request === 'ingest' ? 'failed' : state.dataset.phase, error: message } };
    case 'training': {
      // A start or resume that failed leaves no run starting.
      const phase = state.training.phase === 'starting' ? 'idle' : state.training.phase;
      return { ...state, training: { ...state.training, phase, error: message } };
    }
    case 'inspection':
      return state.inspection ? { ...state, inspection: { ...state.inspection, phase: 'failed', error: message } } : state;
    case 'inference':
      return { ...state, inference: { ...state.inference, phase: 'idle', error: message } };
    case 'runs':
      return { ...state, runsError: message };
    case 'guided':
      return { ...state, guided: { ...state.guided, phase: 'failed', error: message } };
    default:
      return assertNever(owner);
  }
}
