/**
 * Chooses the wasm backend's thread count by measuring: each candidate count times a few training
 * steps in a worker of its own (threadTrial.worker.ts; the count is fixed when a wasm module starts),
 * one after another so they never share the cores, and chooseThreads keeps the fastest.
 */
import { chooseThreads, threadCandidates, type ThreadChoice, type ThreadTiming } from '../ml/kernels/wasm-thread-choice';

/** A count that takes longer than this is given up (a step that slow means another count wins anyway). */
const TRIAL_TIMEOUT_MS = 60_000;

function timeOneCount(threads: number): Promise<ThreadTiming> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./threadTrial.worker.ts', import.meta.url), { type: 'module', name: `wasm-thread-trial-${threads}` });
    const finish = (result: ThreadTiming) => {
      clearTimeout(timer);
      // Ends the worker and, with it, its wasm module and pthreads.
      worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ threads, ms: null, error: `no result in ${TRIAL_TIMEOUT_MS / 1000} s` }), TRIAL_TIMEOUT_MS);
    worker.onmessage = (event: MessageEvent<ThreadTiming>) => finish(event.data);
    worker.onerror = (event) => finish({ threads, ms: null, error: event.message || 'the trial worker failed to load' });
    worker.postMessage({ threads });
  });
}

/** Times each candidate count for this machine (1 and its cores, capped) and chooses. */
export async function measureWasmThreads(
  onTiming: (threads: number) => void,
  logicalCores = globalThis.navigator?.hardwareConcurrency ?? 1,
): Promise<ThreadChoice> {
  const timings: ThreadTiming[] = [];
  for (const threads of threadCandidates(logicalCores)) {
    onTiming(threads);
    timings.push(await timeOneCount(threads));
  }
  return chooseThreads(timings);
}
