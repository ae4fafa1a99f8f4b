/**
 * Browser set-up of the wasm backend, for the worker: where Vite serves the .wasm binaries, and how
 * many threads. Call configureWasm() once BEFORE tf.setBackend('wasm'), then, when setBackend
 * resolved true, registerWasmTrainingKernels() (wasm-training.ts).
 *
 * Not for Node: there tfjs-backend-wasm finds its binaries itself, and these URLs are the dev
 * server's.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Where the dev server / build serves tfjs-backend-wasm's three binaries. */
export const WASM_BINARIES = {
  'tfjs-backend-wasm.wasm': plainUrl,
  'tfjs-backend-wasm-simd.wasm': simdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
};

/** tfjs's own choice for the threaded binary: half the logical cores, 1 to 4. */
export function defaultWasmThreads(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

let configured: number | null = null;

/** The count configureWasm settled on (1 when not cross-origin isolated); null before its first call. */
export function configuredWasmThreads(): number | null {
  return configured;
}

/** Threads the running wasm module reports (null when wasm is not the backend in use). */
export function wasmThreadsInUse(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  return backend.wasm?.tfjs?.getThreadsCount?.() ?? null;
}

/**
 * threads = 1: the single-threaded SIMD binary (no idle pthreads). threads > 1: the threaded SIMD
 * binary with that many XNNPACK threads; it needs cross-origin isolation (COOP/COEP headers), and
 * falls back to 1 without it. Returns the thread count asked for. Only the first call counts: the
 * wasm module starts once per page or worker.
 */
export function configureWasm(threads = 1): number {
  if (configured !== null) return configured;
  const isolated = globalThis.crossOriginIsolated === true;
  configured = isolated ? Math.max(1, Math.floor(threads)) : 1;
  if (configured > 1) {
    // tfjs-wasm sizes its pthread pool from navigator.hardwareConcurrency / 2 when the module
    // loads: on a 2-core machine that is 1, so the count is raised first.
    const needed = configured * 2;
    if ((navigator.hardwareConcurrency ?? 0) < needed) {
      Object.defineProperty(navigator, 'hardwareConcurrency', { value: needed, configurable: true });
    }
    setThreadsCount(configured);
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  setWasmPaths(WASM_BINARIES);
  return configured;
}
