/// <reference lib="webworker" />
/** The training worker: a thin dispatcher from protocol messages to ml/ and data/. */
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { configureWasm, wasmThreadsInUse } from '../ml/kernels/wasm-setup';
import { selectBackend, warmUpMessage } from '../ml/backend';
import { buildPreset, countTrainableParams } from '../ml/model';
import { DEFAULT_LOSS } from '../ml/loss';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import { median, runSteps, timeTrainingStep } from '../ml/train/loop';
import { makeBatch } from '../data/batches';
import { subset } from '../data/dataset';
import { ellipseDataset } from '../data/shapes';
import { assertNever, type DemoTrainRequest, type Request, type WorkerEvent } from './protocol';
import { RunManager } from './runs';
import { Session } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const session = new Session();
const runs = new RunManager(post, session);
let stopRequested = false;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

async function demoTrain(request: DemoTrainRequest): Promise<void> {
  const { id, preset, steps, batchSize, seed } = request;
  stopRequested = false;
  const loaded = request.useDataset ? session.dataset : null;
  if (request.useDataset && !loaded) throw new Error('No dataset is loaded.');
  const size = loaded ? { height: loaded.result.set.height, width: loaded.result.set.width } : {};
  post({ type: 'progress', id, phase: 'building', message: `Building ${preset}...` });
  const model = buildPreset(preset, size);
  const [, height, width] = model.inputs[0].shape as number[];
  const optimizer = createOptimizer(DEFAULT_OPTIMIZER);
  const data = loaded ? subset(loaded.result.set, loaded.indices.train) : ellipseDataset(Math.max(batchSize * 4, 8), height, width, seed);
  if (data.count === 0) throw new Error('The train split is empty: load more pairs or change the split.');
  try {
    post({ type: 'progress', id, phase: 'compiling', message: `${warmUpMessage()}...` });
    const reports = await runSteps(model, optimizer, {
      steps,
      loss: DEFAULT_LOSS,
      nextBatch: (step) => makeBatch(data, Array.from({ length: batchSize }, (_, k) => ((step - 1) * batchSize + k) % data.count)),
      onStep: ({ step, loss, ms }) => {
        if (step === 1) post({ type: 'progress', id, phase: 'training', message: 'Training' });
        post({ type: 'step', id, step, loss, ms, numTensors: tf.memory().numTensors });
      },
      shouldStop: () => stopRequested,
    });
    // The first step compiles shaders; the median of the rest is the steady-state cost.
    post({ type: 'done', id, steps: reports.length, medianMs: median(reports.slice(1).map((r) => r.ms)), params: countTrainableParams(model) });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'init': {
      // One wasm thread unless asked: on 2-4 cores a second XNNPACK thread was measured faster on a
      // quiet machine (780 against 1,173 ms a transunet step) but 1.6-4x slower whenever another
      // process used a core. Only the first init configures wasm (the module starts once).
      configureWasm(request.wasmThreads ?? 1);
      const data = ellipseDataset(2, 32, 48, 1);
      const choice = await selectBackend(request.backend, {
        timeStep: () => timeTrainingStep(() => buildPreset('tiny'), () => createOptimizer(DEFAULT_OPTIMIZER), () => makeBatch(data, [0, 1]), DEFAULT_LOSS),
        onTiming: (backend) => post({ type: 'engine-progress', id: request.id, message: `Timing ${backend} on a few training steps...` }),
      });
      const threads = wasmThreadsInUse();
      post({ type: 'ready', id: request.id, choice: threads === null ? choice : { ...choice, threads } });
      return;
    }
    case 'demo-train':
      return demoTrain(request);
    case 'stop':
      stopRequested = true;
      return;
    case 'ingest':
      return session.ingest(request, post);
    case 'cancel-ingest':
      session.cancel();
      return;
    case 'split':
      session.resplit(request.id, request.ratios, request.seed, post);
      return;
    case 'train-start':
      return runs.start(request.id, request.config, request.name, request.fromImported ?? false);
    case 'train-control':
      return runs.control(request.action);
    case 'train-update':
      return runs.update(request.settings);
    case 'overlays-now':
      return runs.overlaysNow();
    case 'test-now':
      return runs.testNow(request.id, request.threshold);
    case 'inspect-test':
      return runs.inspectTest(request.id, request.name);
    case 'export':
      return runs.export(request.id, request.which ?? 'latest');
    case 'import':
      return runs.import(request.id, request.files);
    case 'runs-list':
      return runs.list(request.id);
    case 'run-resume':
      return runs.resume(request.id, request.runId, request.moreEpochs);
    case 'run-delete':
      return runs.remove(request.id, request.runId);
    case 'predict':
      return runs.predict(request);
    default:
      assertNever(request);
  }
}

// Requests run one at a time, in order (two overlapping setBackend calls race inside tfjs);
// controls (stop, cancel, pause, live settings) must reach running work, so they bypass the queue.
const IMMEDIATE = new Set<Request['type']>(['stop', 'cancel-ingest', 'train-control', 'train-update', 'overlays-now']);
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (message: MessageEvent<Request>) => {
  const request = message.data;
  const run = () =>
    handle(request).catch((error: unknown) => {
      post({ type: 'error', id: request.id, request: request.type, message: error instanceof Error ? error.message : String(error) });
    });
  if (IMMEDIATE.has(request.type)) void run();
  else queue = queue.then(run);
};
