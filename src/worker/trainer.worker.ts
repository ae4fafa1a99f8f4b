/// <reference lib="webworker" />
/** The training worker: a thin switch from protocol messages to the worker's parts (engine, quick check, session, runs). */
import '@tensorflow/tfjs-backend-webgpu';
import { startEngine } from './engine';
import { watchOutsideRequests } from './outsideRequests';
import { assertNever, type Request, type WorkerEvent } from './protocol';
import { planRun } from './planRun';
import { QuickCheck } from './quickCheck';
import { RunManager } from './runs';
import { Session } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const session = new Session();
const runs = new RunManager(post, session);
const quickCheck = new QuickCheck(post, session);

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

// The page's privacy read-out adds the worker's requests to other origins to its own.
watchOutsideRequests(scope, (counts) => post({ type: 'outside-requests', id: 0, counts }));

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'init':
      return startEngine(request.id, request.backend, request.wasmThreads, request.spareCores ?? 0, post);
    case 'demo-train':
      return quickCheck.run(request);
    case 'stop':
      return quickCheck.stop();
    case 'ingest':
      return session.ingest(request, post);
    case 'cancel-ingest':
      return session.cancel(request.id);
    case 'split':
      return session.resplit(request.id, request.ratios, request.seed, post);
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
      return runs.export(request.id, request.which ?? 'latest', request.format ?? 'zip');
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
    case 'plan-run':
      return planRun(session, request, post);
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
