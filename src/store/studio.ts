/** The page's one store. Actions live outside it, so the worker's event handler can call them. */
import { create } from 'zustand';
import type { BackendPreference } from '../ml/backend';
import type { PresetName } from '../ml/model/presets';
import { createTrainerClient, type TrainerClient } from '../worker/client';
import { initialState, reduceEvent, type StudioState } from './events';

export const useStudio = create<StudioState>(() => initialState);

let client: TrainerClient | null = null;

function trainer(): TrainerClient {
  if (!client) {
    client = createTrainerClient();
    client.subscribe((event) => useStudio.setState((state) => reduceEvent(state, event)));
  }
  return client;
}

export function startEngine(backend: BackendPreference): void {
  useStudio.setState((state) => ({ ...state, engine: { phase: 'starting', choice: null, error: null } }));
  trainer().send({ type: 'init', backend });
}

export function startDemoRun(options: { preset: PresetName; steps: number; batchSize: number; seed: number }): void {
  const requestId = trainer().send({ type: 'demo-train', ...options });
  useStudio.setState((state) => ({
    ...state,
    run: { ...initialState.run, phase: 'building', requestId, message: 'Starting...' },
  }));
}

export function stopRun(): void {
  trainer().send({ type: 'stop' });
}
