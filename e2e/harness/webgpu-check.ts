/**
 * Loaded into the page by e2e/webgpu-kernels.spec.ts through the dev server: starts the webgpu
 * backend (SwiftShader here), checks the webgpu training kernels against the cpu backend, records
 * the programs of training steps for the dispatch census, and profiles and times steps.
 */
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { ellipseDataset } from '../../src/data/shapes';
import { makeBatch } from '../../src/data/batches';
import { median } from '../../src/data/stats';
import { DEFAULT_LOSS } from '../../src/ml/loss';
import { buildPreset } from '../../src/ml/model/build';
import { createOptimizer } from '../../src/ml/train/optimizer';
import { trainStep, trainableVariables } from '../../src/ml/train/step';
import { registerCpuKernelFixes } from '../../src/ml/kernels/cpu-fixes';
import { relativeError, runOn } from '../../src/ml/kernels/wasm-compare';
import { WEBGPU_KERNEL_CASES } from '../../src/ml/kernels/webgpu-cases';
import { census, starving, type CensusEntry } from '../../src/ml/kernels/webgpu-census';
import { recordDispatches, timeDispatches, type ProgramRecord, type RecordMode } from '../../src/ml/kernels/webgpu-recorder';
import { registerWebGpuTrainingKernels, unregisterWebGpuTrainingKernels } from '../../src/ml/kernels/webgpu-training';

// The cpu backend is the reference: with the studio's fixes, as it trains.
registerCpuKernelFixes();

export interface StepShape {
  preset: string;
  height: number;
  width: number;
  batch: number;
  /** The preset's base width, when not its own. */
  base?: number;
}

/** 'ours': the studio's webgpu training kernels; 'tfjs': tfjs-backend-webgpu's kernels as shipped. */
export type Kernels = 'ours' | 'tfjs';

async function useWebGpu(kernels: Kernels): Promise<void> {
  if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') throw new Error('the webgpu backend did not start');
  if (kernels === 'ours') registerWebGpuTrainingKernels();
  else unregisterWebGpuTrainingKernels();
}

export async function adapterInfo() {
  await useWebGpu('ours');
  const adapter = await (navigator as unknown as { gpu: { requestAdapter(): Promise<{ info: Record<string, unknown> }> } }).gpu.requestAdapter();
  return { backend: tf.getBackend(), vendor: String(adapter.info.vendor), isFallbackAdapter: Boolean(adapter.info.isFallbackAdapter) };
}

/** Each kernel case on webgpu (our kernels) against the cpu backend, and the programs it ran on webgpu. */
export async function checkKernels(): Promise<Array<{ name: string; error: number; programs: string[] }>> {
  const results: Array<{ name: string; error: number; programs: string[] }> = [];
  for (const c of WEBGPU_KERNEL_CASES) {
    await useWebGpu('ours');
    let programs: string[] = [];
    const ours = await runOn('webgpu', c.inputs, (...inputs) => {
      const { result, records } = recordDispatches('execute', () => c.run(...inputs));
      programs = [...new Set(records.map((r) => r.program))];
      return result;
    });
    const reference = await runOn('cpu', c.inputs, c.run);
    results.push({ name: c.name, error: Math.max(...ours.map((values, i) => relativeError(values, reference[i]))), programs });
  }
  await useWebGpu('ours');
  return results;
}

interface Steps {
  step(): tf.Scalar;
  dispose(): void;
}

function prepare(shape: StepShape): Steps {
  const { preset, height, width, batch, base } = shape;
  const model = buildPreset(preset, base ? { height, width, base } : { height, width });
  const optimizer = createOptimizer({ name: 'adam', learningRate: 1e-3, momentum: 0.9 });
  const variables = trainableVariables(model);
  const data = makeBatch(
    ellipseDataset(batch, height, width, 7),
    Array.from({ length: batch }, (_, i) => i),
  );
  return {
    step: () => trainStep(model, optimizer, data, DEFAULT_LOSS, variables),
    dispose() {
      tf.dispose([data.x, data.y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** The programs of the second training step (the first creates the optimizer's slots), and its wall time. */
export async function recordStep(shape: StepShape, kernels: Kernels, mode: RecordMode, time = false): Promise<{ records: ProgramRecord[]; wallMs: number }> {
  await useWebGpu(kernels);
  const run = prepare(shape);
  try {
    // Record-only losses are never-written buffers: reading them would only wait for the GPU.
    const first = recordDispatches(mode, run.step).result;
    if (mode === 'execute') await first.data();
    first.dispose();
    const start = performance.now();
    const { result, records } = time ? await timeDispatches(run.step) : recordDispatches(mode, run.step);
    if (mode === 'execute') await result.data();
    const wallMs = performance.now() - start;
    result.dispose();
    return { records, wallMs };
  } finally {
    run.dispose();
  }
}

/** Record-only against executed records of one step: equal, or the first difference. */
export async function compareModes(shape: StepShape): Promise<{ executed: number; recorded: number; firstDifference: string | null }> {
  const strip = (r: ProgramRecord) => JSON.stringify({ ...r, ms: undefined });
  const executed = (await recordStep(shape, 'ours', 'execute')).records.map(strip);
  const recorded = (await recordStep(shape, 'ours', 'record-only')).records.map(strip);
  const at = executed.findIndex((r, i) => r !== recorded[i]);
  const firstDifference = at >= 0 ? `dispatch ${at}: executed ${executed[at]} / recorded ${recorded[at]}` : null;
  return { executed: executed.length, recorded: recorded.length, firstDifference };
}

export interface StepCensus {
  shape: StepShape;
  dispatches: number;
  programs: string[];
  starving: CensusEntry[];
}

/** The census of one training step of each shape, recorded without running it (webgpu-recorder.ts says why that is faithful). */
export async function censusOfSteps(shapes: StepShape[], kernels: Kernels): Promise<StepCensus[]> {
  const out: StepCensus[] = [];
  for (const shape of shapes) {
    const { records } = await recordStep(shape, kernels, 'record-only');
    out.push({ shape, dispatches: records.length, programs: [...new Set(records.map((r) => r.program))], starving: starving(records) });
  }
  await useWebGpu('ours');
  return out;
}

/** Every dispatch of one executed step with its GPU time, grouped as the census groups them. */
export async function profileStep(shape: StepShape, kernels: Kernels): Promise<{ wallMs: number; entries: CensusEntry[] }> {
  const { records, wallMs } = await recordStep(shape, kernels, 'execute', true);
  await useWebGpu('ours');
  return { wallMs, entries: census(records) };
}

/** Median ms per training step (after warm-up) and the tensors left over. */
export async function timeSteps(shape: StepShape, kernels: Kernels, steps: number, warmup: number): Promise<{ ms: number; leaked: number }> {
  await useWebGpu(kernels);
  const before = tf.memory().numTensors;
  const run = prepare(shape);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const start = performance.now();
      const loss = run.step();
      await loss.data();
      loss.dispose();
      if (i >= warmup) times.push(performance.now() - start);
    }
  } finally {
    run.dispose();
    await useWebGpu('ours');
  }
  return { ms: median(times), leaked: tf.memory().numTensors - before };
}
