/** Pure reducer from worker events to the page's state, so it can be tested without a worker. */
import type { BackendChoice } from '../ml/backend';
import type { WorkerEvent } from '../worker/protocol';
import { assertNever } from '../worker/protocol';

export type EnginePhase = 'starting' | 'ready' | 'failed';
export type RunPhase = 'idle' | 'building' | 'compiling' | 'training' | 'done' | 'failed';

export interface StepPoint {
  step: number;
  loss: number;
  ms: number;
}

export interface StudioState {
  engine: { phase: EnginePhase; choice: BackendChoice | null; error: string | null };
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

export const initialState: StudioState = {
  engine: { phase: 'starting', choice: null, error: null },
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
    case 'error':
      if (state.engine.phase === 'starting') return { ...state, engine: { ...state.engine, phase: 'failed', error: event.message } };
      return { ...state, run: { ...state.run, phase: 'failed', error: event.message, message: event.message } };
    default:
      return assertNever(event);
  }
}
