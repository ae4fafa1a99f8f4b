/** Runs training steps and reports each one; the caller decides where batches come from and when to stop. */
import * as tf from '@tensorflow/tfjs';
import type { LossWeights } from '../loss';
import type { StepReport } from './config';
import { disposeModel } from './disposeModel';
import { getLearningRate } from './optimizer';
import { trainStep, trainableVariables, type Batch } from './step';
import { median } from '../../data/stats';

export interface StepRunOptions {
  steps: number;
  loss: LossWeights;
  /** Builds the batch for a step; the loop disposes it. */
  nextBatch: (step: number) => Batch;
  onStep: (report: StepReport) => void;
  shouldStop?: () => boolean;
}

/** Trains `steps` steps (or until `shouldStop`), reading each loss back with `await data()`. */
export async function runSteps(model: tf.LayersModel, optimizer: tf.Optimizer, options: StepRunOptions): Promise<StepReport[]> {
  const variables = trainableVariables(model);
  const reports: StepReport[] = [];
  for (let step = 1; step <= options.steps && !options.shouldStop?.(); step++) {
    const started = performance.now();
    const batch = options.nextBatch(step);
    let lossTensor: tf.Scalar | undefined;
    try {
      lossTensor = trainStep(model, optimizer, batch, options.loss, variables);
      const loss = (await lossTensor.data())[0];
      const report: StepReport = { step, loss, learningRate: getLearningRate(optimizer), ms: performance.now() - started };
      reports.push(report);
      options.onStep(report);
    } finally {
      tf.dispose([batch.x, batch.y, lossTensor as tf.Tensor]);
    }
  }
  return reports;
}

/**
 * ms a step of `tiny` (32x48, batch 2) on the current backend: the median of 3 steps after one
 * warm-up step (which compiles shaders). Used to pick the fastest backend on machines without a GPU.
 */
export async function timeTrainingStep(
  build: () => tf.LayersModel,
  createOptimizer: () => tf.Optimizer,
  makeBatch: () => import('./step').Batch,
  loss: LossWeights,
): Promise<number> {
  const model = build();
  const optimizer = createOptimizer();
  try {
    const reports = await runSteps(model, optimizer, { steps: 4, loss, nextBatch: makeBatch, onStep: () => undefined });
    return median(reports.slice(1).map((r) => r.ms));
  } finally {
    disposeModel(model, optimizer);
  }
}
