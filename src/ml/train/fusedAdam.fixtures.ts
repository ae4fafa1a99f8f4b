/**
 * One seeded Adam problem, run the same way by the unit test (Node: wasm and cpu) and by the browser
 * harness (Chromium's wasm, e2e/harness/wasm-check.ts): a few variables, a few steps, a rate change.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../data/random';
import { setLearningRate } from './optimizer';

// Shapes like a conv net's: a 3x3 filter, a bias, a dense matrix, a single scalar.
export const SHAPES = [[3, 3, 4, 8], [8], [16, 5], [1]];
export const STEPS = 5;

/** Seeded starting values and STEPS gradients a variable, the same for both optimizers. */
export function problem(seed: number) {
  const rng = createRng(seed);
  const normal = (n: number) => Float32Array.from({ length: n }, () => (rng() - 0.5) * 2);
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  return { initial: sizes.map(normal), gradients: Array.from({ length: STEPS }, () => sizes.map((n) => normal(n).map((g) => g * 0.1))) };
}

export interface AdamRun {
  values: Float32Array[];
  /** getWeights as names and data. */
  weights: Array<{ name: string; data: Float32Array }>;
}

/**
 * STEPS Adam steps on `backend`; the rate drops to 3e-3 from step 3 on (as the studio's live
 * setter does). `restoreAfter`: after that many steps, save the optimizer's weights, make a fresh
 * optimizer from them (a checkpoint round trip) and go on with it.
 */
export async function adamRun(backend: string, make: () => tf.Optimizer, tag: string, restoreAfter?: number): Promise<AdamRun> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const { initial, gradients } = problem(7);
  const variables = SHAPES.map((shape, i) => tf.variable(tf.tensor(initial[i]!, shape), true, `${tag}/w${i}`));
  let optimizer = make();
  try {
    for (let step = 0; step < STEPS; step++) {
      if (step === 3) setLearningRate(optimizer, 3e-3);
      if (step === restoreAfter) {
        const saved = await optimizer.getWeights();
        const copies = saved.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }));
        optimizer.dispose();
        optimizer = make();
        setLearningRate(optimizer, step >= 3 ? 3e-3 : 1e-2);
        await optimizer.setWeights(copies);
        tf.dispose(copies.map((c) => c.tensor));
      }
      const grads: tf.NamedTensorMap = {};
      SHAPES.forEach((shape, i) => (grads[variables[i]!.name] = tf.tensor(gradients[step]![i]!, shape)));
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    const weights = await optimizer.getWeights();
    return {
      values: await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array)),
      weights: await Promise.all(weights.map(async ({ name, tensor }) => ({ name: name.replace(`${tag}/`, ''), data: (await tensor.data()) as Float32Array }))),
    };
  } finally {
    optimizer.dispose();
    tf.dispose(variables);
  }
}

/** max |a - b| / max |b|: the error relative to the tensor's scale. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
