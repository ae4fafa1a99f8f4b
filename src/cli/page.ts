/**
 * The headless driver page (cli.html): no React, only the studio's own worker client, exposed as
 * `window.studioCli` for the Node tools. Every call goes through the same protocol the studio uses.
 */
import { DEFAULT_BUDGET_BYTES } from '../data/ingest';
import { filesFromList } from '../worker/sources';
import { createTrainerClient, type RequestBody } from '../worker/client';
import type { WorkerEvent } from '../worker/protocol';
import type { RunStatus } from '../ml/train/trainer';
import type { ForwardedEvent, IngestOutcome, StudioCliApi, TrainOutcome } from './api';
import { evaluateInput, renderInput, type PageContext } from './pageImages';

const client = createTrainerClient();
const input = document.getElementById('data') as HTMLInputElement;

const HEAVY = new Set<WorkerEvent['type']>(['overlays', 'prediction', 'export-ready', 'dataset', 'run-started']);

// Progress reaches Node through a function it exposed; calls are not awaited, so the page never waits on Node.
client.subscribe((event) => {
  if (!HEAVY.has(event.type) && window.studioCliEvent) void window.studioCliEvent(event as ForwardedEvent).catch(() => undefined);
});

let longestTask = 0;
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestTask = Math.max(longestTask, entry.duration);
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No longtask support: takeLongestTask() then reports 0.
}

/**
 * Sends a request and settles on the first event about it that `settle` turns into a value; an
 * error about it (or a worker that failed to load, id 0) rejects.
 */
function request<T>(body: RequestBody, settle: (event: WorkerEvent) => T | undefined, transfer: Transferable[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let id = -1;
    const unsubscribe = client.subscribe((event) => {
      if (event.type === 'error' && (event.id === id || event.id === 0)) {
        unsubscribe();
        reject(new Error(event.message));
        return;
      }
      if (event.id !== id) return;
      const value = settle(event);
      if (value !== undefined) {
        unsubscribe();
        resolve(value);
      }
    });
    id = client.send(body, transfer);
  });
}

let lastIngest: IngestOutcome | null = null;

function inputFiles() {
  const sources = filesFromList(input.files ?? []);
  if (sources.length === 0) throw new Error('No files were given to the page.');
  return sources;
}

async function base64Of(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(new Blob([bytes]));
  });
  return url.slice(url.indexOf(',') + 1);
}

async function bytesOf(base64: string): Promise<ArrayBuffer> {
  return (await fetch(`data:application/octet-stream;base64,${base64}`)).arrayBuffer();
}

const FINAL = new Set<RunStatus>(['done', 'stopped', 'failed']);

function train(config: Parameters<StudioCliApi['train']>[0], name: string): Promise<TrainOutcome> {
  const outcome: TrainOutcome = { status: 'compiling', reason: null, message: '', params: 0, runId: '', history: [], test: null, steps: 0, trainSeconds: 0 };
  let started = 0;
  return request({ type: 'train-start', config, name }, (event) => {
    switch (event.type) {
      case 'run-started':
        started = performance.now();
        outcome.params = event.params;
        outcome.runId = event.run.id;
        return undefined;
      case 'train-step':
        outcome.steps = event.step;
        return undefined;
      case 'epoch':
        outcome.history.push(event.record);
        return undefined;
      case 'test-result':
        outcome.test = event.result;
        return undefined;
      case 'run-status':
        outcome.status = event.status;
        outcome.reason = event.reason;
        outcome.message = event.message;
        if (!FINAL.has(event.status)) return undefined;
        outcome.trainSeconds = (performance.now() - started) / 1000;
        return outcome;
      default:
        return undefined;
    }
  });
}

const context: PageContext = {
  request,
  files: inputFiles,
  lastIngest: () => lastIngest,
  base64Of,
};

const api: StudioCliApi = {
  init: (backend, wasmThreads) => request({ type: 'init', backend, wasmThreads }, (event) => (event.type === 'ready' ? event.choice : undefined)),

  async ingestFromInput(options) {
    const sources = inputFiles();
    const started = performance.now();
    let dataset: Extract<WorkerEvent, { type: 'dataset' }> | null = null;
    const split = await request(
      {
        type: 'ingest',
        label: options.label,
        sources,
        height: options.height,
        width: options.width,
        budgetBytes: options.budgetBytes ?? DEFAULT_BUDGET_BYTES,
        split: { ratios: options.ratios, seed: options.seed },
      },
      (event) => {
        if (event.type === 'dataset') dataset = event;
        return event.type === 'split' ? event.split : undefined;
      },
    );
    const loaded = dataset as Extract<WorkerEvent, { type: 'dataset' }> | null;
    if (!loaded) throw new Error('The worker sent a split without a dataset.');
    lastIngest = {
      summary: loaded.summary,
      skipped: loaded.skipped,
      notes: loaded.notes,
      split,
      files: sources.length,
      seconds: (performance.now() - started) / 1000,
    };
    return lastIngest;
  },

  planRun: (options) => request({ type: 'plan-run', ...options }, (event) => (event.type === 'plan' ? event.plan : undefined)),

  train,

  stop: () => void client.send({ type: 'train-control', action: 'stop' }),

  control: (action) => void client.send({ type: 'train-control', action }),

  update: (settings) => void client.send({ type: 'train-update', settings }),

  testNow: () => request({ type: 'test-now' }, (event) => (event.type === 'test-result' ? event.result : undefined)),

  async exportZip() {
    const zip = await request({ type: 'export', format: 'zip' }, (event) => (event.type === 'export-ready' ? event.bytes : undefined));
    return base64Of(zip);
  },

  async importFiles(files) {
    const decoded = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await bytesOf(f.base64) })));
    return request(
      { type: 'import', files: decoded },
      (event) => (event.type === 'imported' ? event.message : undefined),
      decoded.map((f) => f.bytes),
    );
  },

  evaluateInput: (options) => evaluateInput(context, options),

  renderInput: (options) => renderInput(context, options),

  async timeInference(count, flipTta) {
    const available = lastIngest?.split.test.pairs ?? 0;
    if (available === 0) throw new Error('Inference timing needs a loaded dataset with a test split.');
    const predict = (pairs: number[]) =>
      request({ type: 'predict', model: 'run', images: [], testPairs: pairs, flipTta }, (event) => (event.type === 'prediction' ? event.results : undefined));
    await predict([0]); // compiles the batch-1 graph
    const pairs = Array.from({ length: Math.min(count, available) }, (_, i) => i);
    const started = performance.now();
    await predict(pairs);
    return (performance.now() - started) / pairs.length;
  },

  takeLongestTask() {
    const value = longestTask;
    longestTask = 0;
    return value;
  },
};

window.studioCli = api;
document.body.dataset.ready = 'true';
