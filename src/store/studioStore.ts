/** The page's one store. Actions live outside it, so the worker's event handler can call them. */
import { create } from 'zustand';
import type { SplitRatios } from '../data/split';
import type { BackendPreference } from '../ml/backend';
import { PAGE_SPARE_CORES } from '../ml/kernels/wasm-thread-choice';
import type { PresetName } from '../ml/model/presets';
import type { TrainConfig } from '../ml/train/config';
import { withPlan, type RunPlan } from '../ml/train/recipe';
import { createTrainerClient, type TrainerClient } from '../worker/client';
import type { SourceFile } from '../data/ingest';
import type { ExportFormat } from '../worker/protocol';
import type { WorkerEvent } from '../worker/protocol';
import { initialDataset, initialGuided, initialState, initialTraining, isRunLive, type StudioState } from './events';
import { reduceEvent } from './events';
import { createEventQueue, pageClock, type EventQueue } from './flush';
import {
  crossCheck,
  DEFAULT_SETTINGS,
  liveUpdateOf,
  parseSetting,
  parseSize,
  settingDef,
  settingsFromQuery,
  settingsToConfig,
  settingsToQuery,
  splitRatiosOf,
  type SettingKey,
  type Settings,
} from '../settings';

const STORAGE_KEY = 'carvana-studio:settings';

/** Settings: the URL wins over what was saved, which wins over the defaults. */
function initialSettings(): { settings: Settings; errors: string[] } {
  if (typeof window === 'undefined') return { settings: DEFAULT_SETTINGS, errors: [] };
  const saved = settingsFromQuery(window.localStorage.getItem(STORAGE_KEY) ?? '');
  return settingsFromQuery(window.location.search, saved.settings);
}

const startup = initialSettings();

export const useStudio = create<StudioState & { settings: Settings; settingErrors: string[] }>(() => ({
  ...initialState,
  settings: startup.settings,
  settingErrors: startup.errors,
}));

let client: TrainerClient | null = null;
const sideEffects = new Set<(event: WorkerEvent) => void>();
// At most every FLUSH_MS, in one store update: each flush redraws the live panels (flush.ts says how).
const FLUSH_MS = 200;
let events: EventQueue<WorkerEvent> | null = null;

function applyEvents(batch: WorkerEvent[]): void {
  useStudio.setState((state) => batch.reduce(reduceEvent, state));
}

function trainer(): TrainerClient {
  if (!client) {
    client = createTrainerClient();
    client.subscribe((event) => {
      sideEffects.forEach((effect) => effect(event));
      events ??= createEventQueue(applyEvents, pageClock(), FLUSH_MS);
      events.push(event);
    });
  }
  return client;
}

/** For effects that are not state (a download when an export is ready). */
export function onWorkerEvent(effect: (event: WorkerEvent) => void): () => void {
  sideEffects.add(effect);
  return () => sideEffects.delete(effect);
}

/** Saves the settings and puts them in the address bar: every setting, engine and data included, is in the schema. */
function persistSettings(settings: Settings): void {
  const query = settingsToQuery(settings);
  window.localStorage.setItem(STORAGE_KEY, query);
  const url = new URL(window.location.href);
  url.search = query;
  window.history.replaceState(null, '', url);
}

/**
 * Validates and applies several settings at once (the three split percentages only make sense
 * together). None of them may be live-only-when-stopped during a run; nothing applies on an error.
 */
export function setSettings(patch: Partial<Settings>): string | null {
  const state = useStudio.getState();
  const live = isRunLive(state.training.phase);
  const settings = { ...state.settings };
  for (const [key, raw] of Object.entries(patch) as Array<[SettingKey, unknown]>) {
    const def = settingDef(key);
    const parsed = parseSetting(def, raw);
    if (!parsed.ok) return parsed.error;
    if (live && !def.live) return `${def.label} cannot change during a run: stop it first.`;
    (settings as Record<SettingKey, unknown>)[key] = parsed.value;
  }
  const crossError = crossCheck(settings);
  if (crossError) return crossError;
  useStudio.setState({ settings });
  persistSettings(settings);
  return null;
}

/**
 * Validates and applies one setting. A live setting changed during a run goes to the worker at
 * once; a locked one is refused while a run is live.
 */
export function setSetting(key: SettingKey, raw: unknown): string | null {
  const def = settingDef(key);
  const parsed = parseSetting(def, raw);
  if (!parsed.ok) return parsed.error;
  const state = useStudio.getState();
  const live = isRunLive(state.training.phase);
  if (live && !def.live) return `${def.label} cannot change during a run: stop it first.`;
  const settings = { ...state.settings, [key]: parsed.value } as Settings;
  const crossError = crossCheck(settings);
  if (crossError) return crossError;
  useStudio.setState({ settings });
  persistSettings(settings);
  const update = live ? liveUpdateOf(settings, key) : null;
  if (update) trainer().send({ type: 'train-update', settings: update });
  return null;
}

export function startRun(name: string, fromImported = false): void {
  sendStart(settingsToConfig(useStudio.getState().settings), name, fromImported);
}

function sendStart(config: TrainConfig, name: string, fromImported: boolean): void {
  const requestId = trainer().send({ type: 'train-start', config, name, fromImported });
  useStudio.setState((state) => ({ ...state, training: { ...initialTraining, phase: 'starting', requestId, message: 'Building the model...' } }));
}

/**
 * "Best model in N minutes": the worker times the backends and the recipe's candidates on the loaded
 * data ('plan-run'); its plan then becomes the settings (so the URL reproduces the run) and the run
 * starts with the N-minute time limit (startPlannedRun).
 */
export function startGuidedRun(minutes: number): void {
  const { settings, dataset } = useStudio.getState();
  // Data restored from browser storage has no files to decode again at another size: the plan keeps the loaded size.
  const fixed = !lastSources && dataset.size ? dataset.size : undefined;
  const requestId = trainer().send({ type: 'plan-run', minutes, backend: settings.backend, fixed });
  useStudio.setState({ guided: { ...initialGuided, phase: 'timing', requestId, minutes, message: 'Timing the candidates on the loaded data...' } });
}

/** The plan's settings, the data at its size (decoded again when it differs) and the run, sent in that order: the worker takes requests in turn. */
function startPlannedRun(plan: RunPlan): void {
  const { candidate } = plan;
  const problem = setSettings({
    preset: candidate.preset,
    size: `${candidate.height}x${candidate.width}`,
    batchSize: candidate.batchSize,
    base: candidate.base ?? 0,
    epochs: plan.epochs,
    schedule: plan.schedule,
    learningRate: plan.learningRate,
  });
  if (problem) {
    useStudio.setState((state) => ({ guided: { ...state.guided, phase: 'failed', error: `The plan does not fit the settings: ${problem}` } }));
    return;
  }
  const { settings, dataset } = useStudio.getState();
  if (dataset.size?.height !== candidate.height || dataset.size?.width !== candidate.width) reloadDataset(loadSettingsOf(settings));
  sendStart(withPlan(settingsToConfig(settings), plan), `best in ${plan.minutes} min`, false);
}

// Runs before the event reaches the reducer: the plan is for the guided request the page sent last.
sideEffects.add((event) => {
  if (event.type === 'plan' && event.id === useStudio.getState().guided.requestId) startPlannedRun(event.plan);
});

export function controlRun(action: 'pause' | 'resume' | 'stop'): void {
  trainer().send({ type: 'train-control', action });
}

export function requestOverlays(): void {
  trainer().send({ type: 'overlays-now' });
}

/** Scores the test split now, at `threshold` (the run's own when absent). */
export function requestTest(threshold?: number): void {
  trainer().send({ type: 'test-now', threshold });
}

/** Opens a test image's overlay: the worker predicts it with the run's model (null closes it). */
export function inspectTestImage(name: string | null): void {
  if (name === null) {
    useStudio.setState({ inspection: null });
    return;
  }
  useStudio.setState({ inspection: { name, phase: 'loading', source: null, map: null, error: null } });
  trainer().send({ type: 'inspect-test', name });
}

/** The model as it stands or its best checkpoint, as the tfjs zip (which holds model.onnx too) or a bare ONNX file; the page downloads it when ready. */
export function exportRun(which: 'latest' | 'best' = 'latest', format: ExportFormat = 'zip'): void {
  trainer().send({ type: 'export', which, format });
}

export async function importModel(files: File[]): Promise<void> {
  const payload = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
  trainer().send(
    { type: 'import', files: payload },
    payload.map((p) => p.bytes),
  );
}

export function listRuns(): void {
  trainer().send({ type: 'runs-list' });
}

/** Resume a stopped run where it stopped; `moreEpochs` extends a finished one. */
export function resumeRun(runId: string, moreEpochs?: number): void {
  trainer().send({ type: 'run-resume', runId, moreEpochs });
  useStudio.setState((state) => ({ ...state, training: { ...state.training, phase: 'starting', message: 'Loading the checkpoint...' } }));
}

export function deleteRun(runId: string): void {
  trainer().send({ type: 'run-delete', runId });
}

export function trainingSize(settings: Settings): { height: number; width: number } {
  return parseSize(settings.size);
}

export function startEngine(backend: BackendPreference, wasmThreads?: number): void {
  useStudio.setState((state) => ({ ...state, engine: { phase: 'starting', choice: null, error: null } }));
  trainer().send({ type: 'init', backend, wasmThreads, spareCores: PAGE_SPARE_CORES });
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

/** How files are decoded and split, from the settings: every load path (drop, folder, files, sample) uses this. */
export function loadSettingsOf(settings: Settings): LoadSettings {
  return { ...parseSize(settings.size), budgetBytes: settings.budgetMiB * 1024 ** 2, ratios: splitRatiosOf(settings), seed: settings.splitSeed };
}

let lastSources: { sources: SourceFile[]; label: string } | null = null;

export function loadDataset(sources: SourceFile[], label: string, settings: LoadSettings): void {
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

export function predict(model: 'run' | 'imported', images: Array<{ name: string; blob: Blob }>, testPairs: number[], flipTta: boolean): void {
  trainer().send({ type: 'predict', model, images, testPairs, flipTta });
  useStudio.setState((state) => ({ ...state, inference: { ...state.inference, phase: 'running', error: null } }));
}
