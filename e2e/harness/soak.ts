/**
 * The memory soak, shared by e2e/soak.spec.ts and the bench's memory section: a long run of the
 * studio's own worker, driven through the headless driver page (cli.html, `window.studioCli`), with
 * the worker's JS heap and tf.memory() read through the Chrome DevTools Protocol on the worker
 * target after a forced garbage collection. Node-side code: it takes a Playwright Page showing
 * cli.html with its data input filled, and a way to hear the worker's forwarded events.
 */
import type { CDPSession, Page } from '@playwright/test';
import type { ForwardedEvent, StudioCliApi } from '../../src/cli/api';
import type { TrainConfig } from '../../src/ml/train/config';
import { DEFAULT_SETTINGS, settingsToConfig } from '../../src/settings';

/** The worker's memory at one moment, after a forced garbage collection. */
export interface WorkerMemory {
  /** V8's used JS heap of the worker (Runtime.getHeapUsage), bytes. */
  heapBytes: number;
  /**
   * Of which V8's own code: bytecode, compiled code, feedback and the lists of code that depends on
   * each map, summed from a heap snapshot. It grows for the first thousands of steps as V8 tiers hot
   * functions up (Maglev, then TurboFan) and recompiles the ones it deoptimised, whatever the app keeps.
   */
  codeBytes: number;
  /** heapBytes - codeBytes: the objects the worker keeps, where a leak shows. */
  dataBytes: number;
  /** tf.memory() of the worker's engine. */
  numTensors: number;
  numBytes: number;
}

export interface SoakOptions {
  /** Steps of the long run (it is stopped there); 1,000 in the spec. */
  steps: number;
  /** Where the first reading is taken, the run paused there; 100 in the spec. */
  baselineStep: number;
  /** Steps of each of the runs that follow (each crosses at least one epoch end). */
  repeatSteps: number;
  /** Runs in a row, the long one included (3). */
  runs: number;
  preset: TrainConfig['preset'];
  height: number;
  width: number;
  batchSize: number;
  /** The backend the caller started (for the record). */
  backend: string;
  log?: (line: string) => void;
  /**
   * Given, it receives a heap snapshot of the worker (DevTools' .heapsnapshot JSON) after each
   * reading: 'step-<n>' at the two pauses, 'rest-<n>' after run n. For finding what a leak retains.
   */
  snapshot?: (label: string, json: string) => void;
}

export interface SoakFigure {
  preset: string;
  size: [number, number];
  batch: number;
  backend: string;
  steps: number;
  /** Epochs the long run crossed; checkpoints and overlays it produced. */
  epochs: number;
  checkpoints: number;
  /** Read paused at `baselineStep`, and paused again at the last step. */
  atBaseline: WorkerMemory & { step: number };
  atEnd: WorkerMemory & { step: number };
  /** (end - baseline) / baseline, for the heap, the heap less V8's code, and tf bytes; tensors as a count. */
  heapGrowth: number;
  dataGrowth: number;
  byteGrowth: number;
  tensorGrowth: number;
  /** At rest (no run going) after each run of the series ends: [after run 1, after run 2, ...]. */
  afterRuns: WorkerMemory[];
  /** Learning rate the optimizer reported after the live change (should be the new one). */
  learningRateAfterChange: number | null;
  /** Seconds of the long run, pauses included. */
  seconds: number;
}

type Call = <K extends keyof StudioCliApi>(name: K, ...args: Parameters<StudioCliApi[K]>) => Promise<Awaited<ReturnType<StudioCliApi[K]>>>;
type Listen = (listener: (event: ForwardedEvent) => void) => void;

/** `window.studioCli[name](...args)` in the page, as headlessStudio's `call` does. */
export function pageCall(page: Page): Call {
  return ((name: string, ...args: unknown[]) =>
    page.evaluate(({ name, args }) => (window.studioCli![name as keyof StudioCliApi] as (...a: unknown[]) => unknown)(...args), { name, args })) as Call;
}

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * Bytes of V8's own code in a heap snapshot: every node of type "code" (bytecode, compiled code,
 * feedback vectors, ...) and the weak lists a map keeps of the code that depends on it
 * ("dependent_code"), which grow with each recompilation.
 */
export function v8CodeBytes(json: string): number {
  const { snapshot, nodes, edges, strings } = JSON.parse(json) as HeapSnapshotJson;
  const { meta } = snapshot;
  const [nodeFields, edgeFields] = [meta.node_fields.length, meta.edge_fields.length];
  const [typeField, sizeField, edgeCountField] = ['type', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
  const [edgeTypeField, edgeNameField, toField] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const codeType = meta.node_types[0].indexOf('code');
  const named = new Set(['context', 'property', 'internal', 'shortcut', 'weak'].map((t) => meta.edge_types[0].indexOf(t)));
  const count = nodes.length / nodeFields;
  const code = new Uint8Array(count);
  for (let i = 0, e = 0; i < count; i++) {
    if (nodes[i * nodeFields + typeField] === codeType) code[i] = 1;
    for (let k = nodes[i * nodeFields + edgeCountField]; k > 0; k--, e += edgeFields) {
      if (named.has(edges[e + edgeTypeField]) && strings[edges[e + edgeNameField]] === 'dependent_code') code[edges[e + toField] / nodeFields] = 1;
    }
  }
  let bytes = 0;
  for (let i = 0; i < count; i++) if (code[i]) bytes += nodes[i * nodeFields + sizeField];
  return bytes;
}

/**
 * A CDP connection to the page's dedicated worker (the studio's trainer): auto-attach, not flattened,
 * so that its commands travel inside this one session as Target.sendMessageToTarget.
 */
export async function attachToWorker(page: Page): Promise<{ memory(keep?: (snapshot: string) => void): Promise<WorkerMemory>; close(): Promise<void> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let workerSession: string | null = null;
  const chunks: string[] = [];
  let found: () => void = () => undefined;
  const attached = new Promise<void>((resolve) => (found = resolve));
  cdp.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type === 'worker' && !workerSession) {
      workerSession = event.sessionId;
      found();
    }
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== workerSession) return;
    const message = JSON.parse(event.message) as { id?: number; method?: string; params?: { chunk?: string }; result?: unknown; error?: { message: string } };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params!.chunk!);
    const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await Promise.race([attached, new Promise((_, reject) => setTimeout(() => reject(new Error('no worker target to attach to')), 30_000))]);
  const send = <T>(method: string, params: object = {}): Promise<T> => {
    const id = nextId++;
    const reply = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    void cdp.send('Target.sendMessageToTarget', { sessionId: workerSession!, message: JSON.stringify({ id, method, params }) });
    return reply;
  };
  /** A heap snapshot of the worker, as the JSON DevTools saves (.heapsnapshot); it streams in as chunk events. */
  const heapSnapshot = async (): Promise<string> => {
    chunks.length = 0;
    await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
    const json = chunks.join('');
    chunks.length = 0;
    return json;
  };
  return {
    /** Reads the memory after a forced GC; `keep` receives the heap snapshot it was read from (.heapsnapshot JSON). */
    async memory(keep) {
      // Twice: objects freed by the first collection's finalizers go in the second.
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const heap = await send<{ usedSize: number }>('Runtime.getHeapUsage');
      // tfjs keeps its engine on the global object (tfjs-core's getGlobalNamespace()._tfengine).
      const evaluated = await send<{ result: { value?: { numTensors: number; numBytes: number } }; exceptionDetails?: unknown }>('Runtime.evaluate', {
        expression: '(() => { const m = globalThis._tfengine.memory(); return { numTensors: m.numTensors, numBytes: m.numBytes }; })()',
        returnByValue: true,
      });
      const tf = evaluated.result.value;
      if (!tf) throw new Error(`could not read tf.memory() in the worker: ${JSON.stringify(evaluated.exceptionDetails ?? evaluated)}`);
      const snapshot = await heapSnapshot();
      keep?.(snapshot);
      const codeBytes = v8CodeBytes(snapshot);
      return { heapBytes: heap.usedSize, codeBytes, dataBytes: heap.usedSize - codeBytes, numTensors: tf.numTensors, numBytes: tf.numBytes };
    },
    close: () => cdp.detach().catch(() => undefined),
  };
}

/** The soak both the spec and the bench run: tiny at 32x48, batch 8, 1,000 steps, read at 100, three runs in a row. */
export const SOAK_DEFAULTS = {
  steps: 1000,
  baselineStep: 100,
  repeatSteps: 30,
  runs: 3,
  preset: 'tiny',
  height: 32,
  width: 48,
  batchSize: 8,
} as const satisfies Omit<SoakOptions, 'backend' | 'log'>;

function soakConfig(options: SoakOptions): TrainConfig {
  const size = `${options.height}x${options.width}`;
  // Constant rate, no early stop, overlays every epoch: every epoch end evaluates, draws and checkpoints.
  const settings = {
    ...DEFAULT_SETTINGS,
    preset: options.preset,
    size,
    batchSize: options.batchSize,
    epochs: 1000,
    earlyStopping: 0,
    schedule: 'constant' as const,
    overlayEvery: 1,
    seed: 1,
  };
  return settingsToConfig(settings);
}

/**
 * The soak: a long run paused at `baselineStep` (memory read, learning rate changed, resumed) and
 * again at `steps` (memory read, stopped); then `runs - 1` shorter runs, memory read at rest after
 * each run of the series. Backend init and ingestion are the caller's (as it chooses its data).
 */
export async function soak(page: Page, call: Call, listen: Listen, options: SoakOptions): Promise<SoakFigure> {
  const log = options.log ?? (() => undefined);
  const worker = await attachToWorker(page);
  try {
    const config = soakConfig(options);
    let step = 0;
    let epochs = 0;
    let checkpoints = 0;
    let learningRate: number | null = null;
    let waiting: { step: number; resolve: () => void } | null = null;
    const reach = (target: number) => new Promise<void>((resolve) => (waiting = { step: target, resolve }));
    let paused: () => void = () => undefined;
    listen((event) => {
      if (event.type === 'train-step') {
        step = event.step;
        learningRate = event.learningRate;
        if (waiting && step >= waiting.step) {
          const { resolve } = waiting;
          waiting = null;
          resolve();
        }
      } else if (event.type === 'epoch') epochs++;
      else if (event.type === 'checkpoint') checkpoints++;
      else if (event.type === 'run-status' && event.status === 'paused') paused();
    });
    const pause = async () => {
      const done = new Promise<void>((resolve) => (paused = resolve));
      await call('control', 'pause');
      await done;
    };
    const started = Date.now();
    /** Rejects if the run ends before the soak stops it (handled, so it never goes unobserved). */
    const ended = (run: Promise<unknown>): Promise<never> => {
      const early = run.then(() => Promise.reject(new Error(`the run ended at step ${step}, before the soak stopped it`)));
      early.catch(() => undefined);
      return early;
    };

    const run = call('train', config, 'soak');
    const runEnded = ended(run);
    await Promise.race([reach(options.baselineStep), runEnded]);
    await pause();
    const memory = (label: () => string) => worker.memory(options.snapshot && ((json) => options.snapshot!(label(), json)));
    const atBaseline = { step, ...(await memory(() => `step-${step}`)) };
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
    const heap = (m: WorkerMemory) => `heap ${mib(m.heapBytes)} (V8 code ${mib(m.codeBytes)}, data ${mib(m.dataBytes)})`;
    log(`step ${atBaseline.step}: ${heap(atBaseline)}, ${atBaseline.numTensors} tensors, ${atBaseline.numBytes} bytes`);
    const newRate = config.optimizer.learningRate / 3;
    await call('update', { learningRate: newRate });
    await call('control', 'resume');
    await Promise.race([reach(options.steps), runEnded]);
    const learningRateAfterChange = learningRate;
    await pause();
    const atEnd = { step, ...(await memory(() => `step-${step}`)) };
    log(`step ${atEnd.step}: ${heap(atEnd)}, ${atEnd.numTensors} tensors, ${atEnd.numBytes} bytes (${epochs} epochs, ${checkpoints} checkpoints)`);
    await call('stop');
    const outcome = await run;
    if (outcome.status !== 'stopped') throw new Error(`the soak run ended ${outcome.status}: ${outcome.message}`);
    const seconds = (Date.now() - started) / 1000;
    const figure = { epochs, checkpoints };
    const afterRuns = [await memory(() => 'rest-1')];
    log(`at rest after run 1: ${JSON.stringify(afterRuns[0])}`);

    for (let n = 2; n <= options.runs; n++) {
      const next = call('train', config, `soak ${n}`);
      await Promise.race([reach(options.repeatSteps), ended(next)]);
      await call('stop');
      const result = await next;
      if (result.status !== 'stopped') throw new Error(`run ${n} ended ${result.status}: ${result.message}`);
      afterRuns.push(await memory(() => `rest-${n}`));
      log(`at rest after run ${n}: ${JSON.stringify(afterRuns[n - 1])}`);
    }
    return {
      preset: options.preset,
      size: [options.height, options.width],
      batch: options.batchSize,
      backend: options.backend,
      steps: atEnd.step,
      ...figure,
      atBaseline,
      atEnd,
      heapGrowth: (atEnd.heapBytes - atBaseline.heapBytes) / atBaseline.heapBytes,
      dataGrowth: (atEnd.dataBytes - atBaseline.dataBytes) / atBaseline.dataBytes,
      byteGrowth: (atEnd.numBytes - atBaseline.numBytes) / atBaseline.numBytes,
      tensorGrowth: atEnd.numTensors - atBaseline.numTensors,
      afterRuns,
      learningRateAfterChange,
      seconds,
    };
  } finally {
    await worker.close();
  }
}
