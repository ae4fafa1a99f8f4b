/**
 * Loaded into the page by e2e/wasm.spec.ts through the dev server: starts the wasm backend (with
 * the .wasm binaries Vite serves, optionally two threads), registers the training kernels, checks
 * them against the cpu backend, and times training steps on any backend.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerCpuKernelFixes } from '../../src/ml/kernels/cpu-fixes';
import { KERNEL_CASES } from '../../src/ml/kernels/wasm-cases';
import { compareBackends } from '../../src/ml/kernels/wasm-compare';
import { profileStep, timeSteps, type StepRunOptions } from '../../src/ml/kernels/wasm-bench';
import { WASM_BINARIES, configureWasm } from '../../src/ml/kernels/wasm-setup';
import { registerWasmTrainingKernels } from '../../src/ml/kernels/wasm-training';

// The cpu backend is the reference the wasm kernels are checked against: with the studio's fixes.
registerCpuKernelFixes();

export interface WasmSetup {
  backend: string;
  threads: number;
  simd: boolean;
  multithread: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

/**
 * threads: a count for configureWasm (what the worker calls), or 'default' for tfjs's own choice
 * (the threaded binary when cross-origin isolated, hardwareConcurrency / 2 threads).
 */
export async function startWasm(threads: number | 'default' = 1): Promise<WasmSetup> {
  if (threads === 'default') setWasmPaths(WASM_BINARIES);
  else configureWasm(threads);
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error('the wasm backend did not start');
  registerWasmTrainingKernels();
  return {
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

/** Every kernel case on wasm against the cpu backend (the same cases as the Node tests). */
export async function checkKernels(): Promise<Array<{ name: string; error: number }>> {
  const results: Array<{ name: string; error: number }> = [];
  for (const c of KERNEL_CASES) results.push({ name: c.name, error: await compareBackends('wasm', 'cpu', c.inputs, c.run) });
  await tf.setBackend('wasm');
  return results;
}

/** Median ms per training step on `backend` (after warm-up), and the tensors left over afterwards. */
export async function timeTraining(backend: string, options: StepRunOptions, steps: number, warmup: number) {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`backend ${backend} did not start`);
  const before = tf.memory().numTensors;
  const ms = await timeSteps(options, steps, warmup);
  return { backend: tf.getBackend(), ms, leaked: tf.memory().numTensors - before };
}

export async function profileTraining(options: StepRunOptions) {
  await tf.setBackend('wasm');
  return profileStep(options);
}
