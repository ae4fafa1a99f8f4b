/** Starting the worker's tfjs engine: wasm threads (measured when 'auto'), then the backend (timed on a few steps when 'auto' must choose). */
import { makeBatch } from '../data/batches';
import { ellipseDataset } from '../data/shapes';
import { probeWebGpuAdapter, selectBackend, type BackendChoice, type BackendPreference } from '../ml/backend';
import { threadCandidates, usableCores, WASM_THREADS_AUTO, type ThreadChoice } from '../ml/kernels/wasm-thread-choice';
import { configureWasm, configuredWasmThreads, wasmThreadsInUse } from '../ml/kernels/wasm-setup';
import { DEFAULT_LOSS } from '../ml/loss';
import { buildPreset } from '../ml/model';
import { timeTrainingStep } from '../ml/train/loop';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import type { Post } from './protocol';
import { measureWasmThreads } from './threadTrial';

/** The thread choice of this worker's wasm module, made once: the module starts once. */
let threadChoice: ThreadChoice | null = null;

/**
 * wasmThreads: a count, or WASM_THREADS_AUTO (also when absent) to time the counts worth trying and
 * keep the fastest, on the cores left after `spareCores`. Timing only happens where it can matter:
 * wasm may be picked (forced, or 'auto' without a hardware GPU), the page is cross-origin isolated
 * (threads need it) and more than one core is left.
 */
async function chooseWasmThreads(id: number, backend: BackendPreference, wasmThreads: number, spareCores: number, post: Post): Promise<ThreadChoice> {
  if (wasmThreads !== WASM_THREADS_AUTO) return { threads: wasmThreads, reason: `${wasmThreads} thread${wasmThreads === 1 ? '' : 's'} (as set)`, timings: [] };
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const usable = usableCores(cores, spareCores);
  const oneThread = (why: string): ThreadChoice => ({ threads: 1, reason: `1 thread: ${why}`, timings: [] });
  if (globalThis.crossOriginIsolated !== true) return oneThread('the page is not cross-origin isolated, and wasm threads need it');
  if (threadCandidates(usable).length < 2) {
    const plural = cores === 1 ? 'core' : 'cores';
    return oneThread(
      spareCores > 0
        ? `this machine reports ${cores} logical ${plural} and the page keeps ${spareCores} for itself`
        : `this machine reports ${cores} logical ${plural}`,
    );
  }
  if (backend !== 'wasm' && backend !== 'auto') return oneThread(`not timed (backend ${backend})`);
  if (backend === 'auto') {
    const adapter = await probeWebGpuAdapter();
    if (adapter && !adapter.isFallbackAdapter) return oneThread('not timed (a hardware WebGPU adapter comes first)');
  }
  return measureWasmThreads(
    (threads) => post({ type: 'engine-progress', id, message: `Timing wasm training steps on ${threads} thread${threads === 1 ? '' : 's'}...` }),
    usable,
  );
}

export async function startEngine(id: number, backend: BackendPreference, wasmThreads: number | undefined, spareCores: number, post: Post): Promise<void> {
  // Only the first init configures wasm: later ones (another backend chosen on the page) keep its count.
  if (configuredWasmThreads() === null) {
    threadChoice = await chooseWasmThreads(id, backend, wasmThreads ?? WASM_THREADS_AUTO, spareCores, post);
    configureWasm(threadChoice.threads);
  }
  const data = ellipseDataset(2, 32, 48, 1);
  const choice = await selectBackend(backend, {
    timeStep: () =>
      timeTrainingStep(
        () => buildPreset('tiny'),
        () => createOptimizer(DEFAULT_OPTIMIZER),
        () => makeBatch(data, [0, 1]),
        DEFAULT_LOSS,
      ),
    onTiming: (name) => post({ type: 'engine-progress', id, message: `Timing ${name} on a few training steps...` }),
  });
  post({ type: 'ready', id, choice: withThreads(choice) });
}

/** A backend choice as the page shows it: with wasm's thread count and why, when wasm is configured. */
export function withThreads(choice: BackendChoice): BackendChoice {
  const threads = wasmThreadsInUse();
  return threads === null ? choice : { ...choice, threads, ...(threadChoice && { threadChoice }) };
}
