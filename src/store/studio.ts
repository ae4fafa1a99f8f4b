/** The page's one store. Actions live outside it, so the worker's event handler can call them. */
import { create } from 'zustand';
import { DEFAULT_BUDGET_BYTES } from '../data/ingest';
import { DEFAULT_SPLIT_RATIOS, type SplitRatios } from '../data/split';
import type { BackendPreference } from '../ml/backend';
import type { PresetName } from '../ml/model/presets';
import { createTrainerClient, type TrainerClient } from '../worker/client';
import type { SourceEntry } from '../worker/protocol';
import { initialDataset, initialState, type StudioState } from './events';
import { reduceEvent } from './events';

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

export function startDemoRun(options: { preset: PresetName; steps: number; batchSize: number; seed: number; useDataset: boolean }): void {
  const requestId = trainer().send({ type: 'demo-train', ...options });
  useStudio.setState((state) => ({
    ...state,
    run: { ...initialState.run, phase: 'building', requestId, message: 'Starting...' },
  }));
}

export function stopRun(): void {
  trainer().send({ type: 'stop' });
}

/** Dataset settings that decide how files are decoded; kept so a size change can reload the same files. */
export interface LoadSettings {
  height: number;
  width: number;
  budgetBytes: number;
  ratios: SplitRatios;
  seed: number;
}

export const DEFAULT_LOAD_SETTINGS: LoadSettings = {
  height: 128,
  width: 192,
  budgetBytes: DEFAULT_BUDGET_BYTES,
  ratios: DEFAULT_SPLIT_RATIOS,
  seed: 1,
};

let lastSources: { sources: SourceEntry[]; label: string } | null = null;

export function loadDataset(sources: SourceEntry[], label: string, settings: LoadSettings): void {
  lastSources = { sources, label };
  const requestId = trainer().send({
    type: 'ingest',
    label,
    sources,
    height: settings.height,
    width: settings.width,
    budgetBytes: settings.budgetBytes,
    split: { ratios: settings.ratios, seed: settings.seed },
  });
  useStudio.setState((state) => ({ ...state, dataset: { ...initialDataset, phase: 'loading', requestId, source: label } }));
}

/** Decodes the last files again (after a change of size or budget). */
export function reloadDataset(settings: LoadSettings): boolean {
  if (!lastSources) return false;
  loadDataset(lastSources.sources, lastSources.label, settings);
  return true;
}

export function cancelLoading(): void {
  trainer().send({ type: 'cancel-ingest' });
}

export function resplit(ratios: SplitRatios, seed: number): void {
  trainer().send({ type: 'split', ratios, seed });
}
