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
import { prepareSteps, profileStep, readWeights, timeSteps, type StepRunOptions } from '../../src/ml/kernels/wasm-bench';
import { WASM_BINARIES, configureWasm } from '../../src/ml/kernels/wasm-setup';
import { registerWasmTrainingKernels } from '../../src/ml/kernels/wasm-training';
import { buildPreset } from '../../src/ml/model/build';
import { FusedAdamOptimizer } from '../../src/ml/train/fusedAdam';
import { adamRun, problem, relativeError } from '../../src/ml/train/fusedAdam.fixtures';

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

/**
 * The fused Adam (one pass over every variable on wasm) against tfjs's own Adam on the cpu backend:
 * the largest relative error of the variables and of the saved state (getWeights) after a few steps,
 * a rate change and a save/restore, and whether the state's names and order agree.
 */
export async function checkFusedAdam() {
  const reference = await adamRun('cpu', () => tf.train.adam(1e-2), 'harness-ref');
  const results = [];
  for (const restoreAfter of [undefined, 2]) {
    const fused = await adamRun('wasm', () => new FusedAdamOptimizer(1e-2, 0.9, 0.999), `harness-fused-${restoreAfter ?? 'straight'}`, restoreAfter);
    results.push({
      restoreAfter: restoreAfter ?? null,
      valueError: Math.max(...fused.values.map((v, i) => relativeError(v, reference.values[i]!))),
      stateError: Math.max(...fused.weights.map((w, i) => relativeError(w.data, reference.weights[i]!.data))),
      sameNames: JSON.stringify(fused.weights.map((w) => w.name)) === JSON.stringify(reference.weights.map((w) => w.name)),
      moved: relativeError(reference.values[0]!, problem(7).initial[0]!),
    });
  }
  await tf.setBackend('wasm');
  return results;
}

/**
 * A/B in one page: the same model and batch trained by tfjs's Adam and by the fused Adam, steps
 * interleaved (A, B, A, B...) so that a change in the machine's load hits both alike. Returns the
 * median ms a step of each and the largest loss difference between them.
 */
export async function abFusedAdam(options: Omit<StepRunOptions, 'optimizer'>, steps: number, warmup = 2) {
  await tf.setBackend('wasm');
  const a = prepareSteps({ ...options, optimizer: () => tf.train.adam(1e-3) });
  const b = prepareSteps({ ...options, weights: await readWeights(a.model), optimizer: () => new FusedAdamOptimizer(1e-3, 0.9, 0.999) });
  const times = { tfjs: [] as number[], fused: [] as number[] };
  let lossDiff = 0;
  try {
    const timed = async (run: typeof a) => {
      const start = performance.now();
      const loss = await run.step();
      return { loss, ms: performance.now() - start };
    };
    for (let i = 0; i < warmup + steps; i++) {
      // Each goes first every other round, so neither always runs on a cache the other warmed.
      const [tfjsRound, fusedRound] = i % 2 === 0 ? [await timed(a), await timed(b)] : [await timed(b), await timed(a)].reverse();
      lossDiff = Math.max(lossDiff, Math.abs(tfjsRound!.loss - fusedRound!.loss));
      if (i >= warmup) {
        times.tfjs.push(tfjsRound!.ms);
        times.fused.push(fusedRound!.ms);
      }
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { tfjsMs: median(times.tfjs), fusedMs: median(times.fused), lossDiff, threads: getThreadsCount() };
}

/**
 * The optimizer update alone, A/B: the model's trainable variables and a fixed set of gradients (as
 * large as the variables), updated by tfjs's Adam and by the fused Adam in alternating rounds. Under a
 * loaded machine a whole training step varies by more than the update costs; this isolates it.
 */
export async function abAdamUpdate(options: Omit<StepRunOptions, 'optimizer' | 'batch'>, rounds: number) {
  await tf.setBackend('wasm');
  const model = buildPreset(options.preset, { height: options.height, width: options.width, ...(options.base !== undefined && { base: options.base }) });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const gradients = variables.map((v, i) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 1e-2, 'float32', i) }));
  const optimizers = { tfjs: tf.train.adam(1e-6), fused: new FusedAdamOptimizer(1e-6, 0.9, 0.999) };
  const times = { tfjs: [] as number[], fused: [] as number[] };
  try {
    for (let i = 0; i < rounds + 1; i++) {
      const order = i % 2 === 0 ? (['tfjs', 'fused'] as const) : (['fused', 'tfjs'] as const);
      for (const name of order) {
        const start = performance.now();
        optimizers[name].applyGradients(gradients);
        await variables[0]!.data();
        // Round 0 creates the moments: not timed.
        if (i > 0) times[name].push(performance.now() - start);
      }
    }
  } finally {
    optimizers.tfjs.dispose();
    optimizers.fused.dispose();
    tf.dispose(gradients.map((g) => g.tensor));
    model.dispose();
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return {
    variables: variables.length,
    params: variables.reduce((n, v) => n + v.size, 0),
    tfjsMs: median(times.tfjs),
    fusedMs: median(times.fused),
    threads: getThreadsCount(),
  };
}
