/// <reference lib="webworker" />
/** The training worker: a thin dispatcher from protocol messages to ml/ and data/. */
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../ml/backend';
import { buildPreset, countTrainableParams } from '../ml/model';
import { DEFAULT_LOSS } from '../ml/loss';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import { median, runSteps } from '../ml/train/loop';
import { makeBatch } from '../data/batches';
import { ellipseDataset } from '../data/shapes';
import { assertNever, type DemoTrainRequest, type Request, type WorkerEvent } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let stopRequested = false;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

async function demoTrain(request: DemoTrainRequest): Promise<void> {
  const { id, preset, steps, batchSize, seed } = request;
  stopRequested = false;
  post({ type: 'progress', id, phase: 'building', message: `Building ${preset}...` });
  const model = buildPreset(preset);
  const [, height, width] = model.inputs[0].shape as number[];
  const optimizer = createOptimizer(DEFAULT_OPTIMIZER);
  const data = ellipseDataset(Math.max(batchSize * 4, 8), height, width, seed);
  try {
    post({ type: 'progress', id, phase: 'compiling', message: 'Compiling shaders (the first step is slow)...' });
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
    case 'init':
      post({ type: 'ready', id: request.id, choice: await selectBackend(request.backend) });
      return;
    case 'demo-train':
      return demoTrain(request);
    case 'stop':
      stopRequested = true;
      return;
    default:
      assertNever(request);
  }
}

// Requests run one at a time, in order (two overlapping setBackend calls race inside tfjs);
// `stop` must reach a running loop, so it bypasses the queue.
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (message: MessageEvent<Request>) => {
  const request = message.data;
  const run = () =>
    handle(request).catch((error: unknown) => {
      post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
    });
  if (request.type === 'stop') void run();
  else queue = queue.then(run);
};
