/**
 * Training-step runs for the wasm tests and measurements: the same seeded model, data and
 * optimizer on any backend, with losses, step times and a per-kernel profile.
 */
import * as tf from '@tensorflow/tfjs';
import { ellipseDataset } from '../../data/shapes';
import { makeBatch } from '../../data/batches';
import { DEFAULT_LOSS } from '../loss';
import { buildPreset } from '../model/build';
import { createOptimizer } from '../train/optimizer';
import { trainStep, trainableVariables } from '../train/step';
import { median } from '../../data/stats';

export interface StepRunOptions {
  preset: string;
  height: number;
  width: number;
  batch: number;
  /** Initial weights (as from `model.getWeights()` read back); the model's own initialisation when absent. */
  weights?: Float32Array[];
  /** The preset's width (seed-unet at 16 is the bench's seed-unet16); the preset's own when absent. */
  base?: number;
  /** The studio's Adam (createOptimizer) when absent. */
  optimizer?: () => tf.Optimizer;
}

export interface StepRun {
  model: tf.LayersModel;
  /** Runs one step and returns its loss (read back, so the step has finished). */
  step(): Promise<number>;
  dispose(): void;
}

/** A model, an Adam optimizer and a fixed batch on the current backend. */
export function prepareSteps(options: StepRunOptions): StepRun {
  const { preset, height, width, batch } = options;
  const model = buildPreset(preset, { height, width, ...(options.base !== undefined && { base: options.base }) });
  if (options.weights) {
    const shaped = model.getWeights().map((w, i) => tf.tensor(options.weights![i], w.shape, 'float32'));
    model.setWeights(shaped);
    tf.dispose(shaped);
  }
  const optimizer = options.optimizer?.() ?? createOptimizer({ name: 'adam', learningRate: 1e-3, momentum: 0.9 });
  const variables = trainableVariables(model);
  const data = makeBatch(
    ellipseDataset(batch, height, width, 7),
    Array.from({ length: batch }, (_, i) => i),
  );
  return {
    model,
    async step() {
      const loss = trainStep(model, optimizer, data, DEFAULT_LOSS, variables);
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    },
    dispose() {
      tf.dispose([data.x, data.y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

export async function readWeights(model: tf.LayersModel): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const w of model.getWeights()) out.push((await w.data()) as Float32Array);
  return out;
}

/** Median ms per training step after `warmup` steps. */
export async function timeSteps(options: StepRunOptions, steps: number, warmup = 2): Promise<number> {
  const run = prepareSteps(options);
  try {
    for (let i = 0; i < warmup; i++) await run.step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await run.step();
      times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    run.dispose();
  }
}

export interface KernelTime {
  name: string;
  ms: number;
  calls: number;
}

/** Kernel time of one step (after a warm-up step), summed by kernel name, largest first. */
export async function profileStep(options: StepRunOptions): Promise<{ totalMs: number; wallMs: number; kernels: KernelTime[] }> {
  const run = prepareSteps(options);
  try {
    await run.step();
    const start = performance.now();
    let wallMs = 0;
    const info = await tf.profile(async () => {
      await run.step();
      wallMs = performance.now() - start;
    });
    const byName = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const entry = byName.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      entry.calls += 1;
      byName.set(k.name, entry);
    }
    // Entries named like 'fusedConv2d__op' are custom-gradient wrappers around kernels listed too.
    const kernels = [...byName.values()].filter((k) => !k.name.includes('__op')).sort((a, b) => b.ms - a.ms);
    return { totalMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs, kernels };
  } finally {
    run.dispose();
  }
}
