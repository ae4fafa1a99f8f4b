/// <reference lib="webworker" />
/**
 * A short-lived worker that times a training step on wasm with one thread count, then is terminated.
 * tfjs-wasm fixes its thread count when the module starts, so each count needs a fresh module: a
 * fresh worker. Message in: { threads }; out: a ThreadTiming.
 */
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../data/batches';
import { ellipseDataset } from '../data/shapes';
import type { ThreadTiming } from '../ml/kernels/wasm-thread-choice';
import { configureWasm, wasmThreadsInUse } from '../ml/kernels/wasm-setup';
import { registerWasmTrainingKernels } from '../ml/kernels/wasm-training';
import { DEFAULT_LOSS } from '../ml/loss';
import { buildPreset } from '../ml/model';
import { timeTrainingStep } from '../ml/train/loop';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';

/**
 * The step timed: the seed's U-Net at width 16 (convolutions, their gradients, Adam), batch 4 at
 * 64x96. Small enough to time in about a second a count, large enough that a thread pays as it does
 * on the studio's real models (BENCHMARKS: 319 ms on 1 thread, 227 on 2 at this size; 1,121 and 735
 * at 128x192). A tiny model would always pick 1 thread.
 */
const TRIAL_MODEL = { preset: 'seed-unet', base: 16, height: 64, width: 96, batchSize: 4 } as const;

const scope = self as unknown as DedicatedWorkerGlobalScope;

async function trial(threads: number): Promise<ThreadTiming> {
  try {
    configureWasm(threads);
    if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error('the wasm backend did not start');
    registerWasmTrainingKernels();
    const running = wasmThreadsInUse() ?? 1;
    if (running !== threads) throw new Error(`asked for ${threads} threads, the wasm module runs ${running}`);
    const { height, width, batchSize, base } = TRIAL_MODEL;
    const data = ellipseDataset(batchSize, height, width, 1);
    const indices = Array.from({ length: batchSize }, (_, i) => i);
    const ms = await timeTrainingStep(
      () => buildPreset(TRIAL_MODEL.preset, { height, width, base }),
      () => createOptimizer(DEFAULT_OPTIMIZER),
      () => makeBatch(data, indices),
      DEFAULT_LOSS,
    );
    return { threads, ms };
  } catch (error) {
    return { threads, ms: null, error: error instanceof Error ? error.message : String(error) };
  }
}

scope.onmessage = (event: MessageEvent<{ threads: number }>) => {
  void trial(event.data.threads).then((result) => scope.postMessage(result));
};
