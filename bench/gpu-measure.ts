/**
 * The studio's own training step (ml/train/step.ts trainStep: forward, hybrid loss, gradients, Adam)
 * and inference (ml/train/predict.ts probabilityTensor) timed on one tfjs backend in Node. Each step
 * ends with `await loss.data()`, so a step's time includes the GPU finishing it.
 *
 * Imported only after navigator.gpu exists: tfjs-backend-webgpu registers its backend at import time.
 */
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { median } from '../src/data/stats';
import { selectBackend } from '../src/ml/backend';
import { DEFAULT_LOSS } from '../src/ml/loss';
import { buildModel, countTrainableParams } from '../src/ml/model';
import { estimateParams } from '../src/ml/model/estimate';
import { presetConfig, type ModelConfig } from '../src/ml/model/presets';
import { disposeModel } from '../src/ml/train/disposeModel';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../src/ml/train/optimizer';
import { probabilityTensor } from '../src/ml/train/predict';
import { trainableVariables, trainStep } from '../src/ml/train/step';
import type { Combo, GpuBenchArgs } from './gpu-args';
import type { AdapterReport } from './gpu-dawn';
import { benchModelConfig } from './models';

export interface GpuFigure {
  model: string;
  size: [number, number];
  batch: number;
  params: number;
  /** The first step alone: on a GPU it compiles every shader the step needs. */
  firstStepMs: number | null;
  /** Median of the timed steps (after the warm-up). */
  msPerStep: number | null;
  imagesPerSecond: number | null;
  steps: number;
  /** Median of sigmoid(model(x)) read back, divided by the batch. */
  inferenceMsPerImage: number | null;
  /** Every step's ms, warm-up included. */
  stepMs: number[];
  lastLoss: number | null;
  /** Why a figure is missing (limits, budget, an error the device reported). */
  skipped?: string;
}

interface ErrorScopes {
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

const INFERENCE_RUNS = 5;

export function modelConfig(combo: Combo): ModelConfig {
  return combo.model === 'seed-unet16'
    ? benchModelConfig('seed-unet16', combo.height, combo.width)
    : presetConfig(combo.model, { height: combo.height, width: combo.width });
}

/**
 * Bytes of the largest single tensor of a training step, roughly: the last decoder block's input (2 x
 * base channels at full resolution) or the attention scores (heads x tokens^2). WebGPU binds a tensor
 * as one buffer, so it must fit the adapter's maxBufferSize and maxStorageBufferBindingSize.
 */
export function largestTensorBytes(config: ModelConfig, batch: number): number {
  const decoder = batch * config.height * config.width * 2 * config.base * 4;
  const tokens = (config.height / 16) * (config.width / 16);
  const attention = config.transformer ? batch * config.transformer.heads * tokens * tokens * 4 : 0;
  return Math.max(decoder, attention);
}

/** The largest batch up to `wanted` whose largest tensor fits `limit` bytes; 0 when not even one image does. */
export function fittingBatch(config: ModelConfig, wanted: number, limit: number): number {
  let batch = wanted;
  while (batch > 0 && largestTensorBytes(config, batch) > limit) batch--;
  return batch;
}

/** Runs `work` inside validation and out-of-memory error scopes: WebGPU reports those there, not as exceptions. */
async function checked<T>(device: ErrorScopes | null, what: string, work: () => Promise<T>): Promise<T> {
  if (!device) return work();
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const outcome = await work().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  // The scopes are popped whatever happened; a device error explains (and outranks) a failure it caused.
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  const deviceError = memory ?? validation;
  if (deviceError) throw new Error(`${what}: the WebGPU device reported ${memory ? 'out of memory' : 'a validation error'}: ${deviceError.message}`);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

async function timeCombo(combo: Combo, config: ModelConfig, batch: number, args: GpuBenchArgs, device: ErrorScopes | null): Promise<GpuFigure> {
  const label = `${combo.model} ${combo.height}x${combo.width} batch ${batch}`;
  const model = buildModel(config);
  const optimizer = createOptimizer(DEFAULT_OPTIMIZER);
  const variables = trainableVariables(model);
  const x = tf.randomUniform([batch, config.height, config.width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, config.height, config.width, 1], 0, 1, 'float32', 2), 0.5), 'float32')) as tf.Tensor4D;
  const figure: GpuFigure = {
    model: combo.model,
    size: [config.height, config.width],
    batch,
    params: countTrainableParams(model),
    firstStepMs: null,
    msPerStep: null,
    imagesPerSecond: null,
    steps: 0,
    inferenceMsPerImage: null,
    stepMs: [],
    lastLoss: null,
  };
  try {
    const step = async (): Promise<number> => {
      const started = performance.now();
      const loss = trainStep(model, optimizer, { x, y }, DEFAULT_LOSS, variables);
      try {
        figure.lastLoss = (await loss.data())[0]!;
      } finally {
        loss.dispose();
      }
      if (!Number.isFinite(figure.lastLoss)) throw new Error(`${label}: the loss is ${figure.lastLoss} at step ${figure.stepMs.length + 1}`);
      return performance.now() - started;
    };
    figure.firstStepMs = await checked(device, `${label}, first step`, step);
    figure.stepMs.push(figure.firstStepMs);
    const budgetEnds = performance.now() + args.budgetSeconds * 1000;
    while (figure.stepMs.length < args.warmup + args.steps && performance.now() < budgetEnds) figure.stepMs.push(await step());
    const timed = figure.stepMs.slice(args.warmup);
    if (timed.length === 0) {
      figure.skipped = `over the ${args.budgetSeconds} s budget (after the first step) before the ${args.warmup} warm-up steps ended`;
      return figure;
    }
    figure.steps = timed.length;
    figure.msPerStep = median(timed);
    figure.imagesPerSecond = (batch * 1000) / figure.msPerStep;

    const infer = async (): Promise<number> => {
      const started = performance.now();
      const probabilities = probabilityTensor(model, x, false);
      try {
        await probabilities.data();
      } finally {
        probabilities.dispose();
      }
      return performance.now() - started;
    };
    await checked(device, `${label}, first inference`, infer);
    const inference: number[] = [];
    for (let i = 0; i < INFERENCE_RUNS; i++) inference.push(await infer());
    figure.inferenceMsPerImage = median(inference) / batch;
    return figure;
  } finally {
    tf.dispose([x, y]);
    disposeModel(model, optimizer);
  }
}

export interface GpuRun {
  backend: string;
  backendReason: string;
  results: GpuFigure[];
}

/** Starts the backend through the studio's own selectBackend (which registers the studio's kernels for it), then times every combo. */
export async function measureAll(args: GpuBenchArgs, adapter: AdapterReport | null, log: (line: string) => void): Promise<GpuRun> {
  const choice = await selectBackend(args.backend);
  if (choice.backend !== args.backend) {
    throw new Error(`the ${args.backend} backend did not start: ${choice.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ') || choice.reason}`);
  }
  const device = args.backend === 'webgpu' ? (tf.backend() as unknown as { device: ErrorScopes }).device : null;
  const limit = adapter ? Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize) : Infinity;
  const results: GpuFigure[] = [];
  for (const combo of args.combos) {
    const config = modelConfig(combo);
    const batch = fittingBatch(config, args.batch, limit);
    const size: [number, number] = [config.height, config.width];
    if (batch === 0) {
      const gib = (largestTensorBytes(config, 1) / 2 ** 30).toFixed(2);
      const skipped = `its largest tensor (${gib} GiB at batch 1) exceeds the adapter's buffer limit (${(limit / 2 ** 30).toFixed(2)} GiB)`;
      results.push({ ...emptyFigure(combo, config, 0), skipped });
      log(`${combo.model} ${size.join('x')}: skipped, ${skipped}`);
      continue;
    }
    log(`${combo.model} ${size.join('x')} batch ${batch}${batch < args.batch ? ` (batch ${args.batch} exceeds the adapter's buffer limit)` : ''}...`);
    try {
      const figure = await timeCombo(combo, config, batch, args, device);
      results.push(figure);
      log(
        `  first step ${figure.firstStepMs?.toFixed(0)} ms; ${figure.steps} steps, median ${figure.msPerStep?.toFixed(1) ?? '-'} ms/step, ` +
          `${figure.imagesPerSecond?.toFixed(1) ?? '-'} images/s; inference ${figure.inferenceMsPerImage?.toFixed(1) ?? '-'} ms/image${figure.skipped ? ` (${figure.skipped})` : ''}`,
      );
    } catch (error) {
      const message = (error as Error).message;
      results.push({ ...emptyFigure(combo, config, batch), skipped: `failed: ${message}` });
      log(`  failed: ${message}`);
    }
  }
  return { backend: choice.backend, backendReason: choice.reason, results };
}

function emptyFigure(combo: Combo, config: ModelConfig, batch: number): GpuFigure {
  return {
    model: combo.model,
    size: [config.height, config.width],
    batch,
    params: estimateParams(config),
    firstStepMs: null,
    msPerStep: null,
    imagesPerSecond: null,
    steps: 0,
    inferenceMsPerImage: null,
    stepMs: [],
    lastLoss: null,
  };
}
