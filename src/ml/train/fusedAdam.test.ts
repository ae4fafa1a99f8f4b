import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer } from './fusedAdam';
import { adamRun as run, problem, relativeError, SHAPES, STEPS, type AdamRun as Run } from './fusedAdam.fixtures';

function expectSameRun(actual: Run, reference: Run): void {
  for (let i = 0; i < SHAPES.length; i++) expect(relativeError(actual.values[i]!, reference.values[i]!), `variable ${i}`).toBeLessThan(1e-6);
  expect(actual.weights.map((w) => w.name)).toEqual(reference.weights.map((w) => w.name));
  actual.weights.forEach((w, i) => expect(relativeError(w.data, reference.weights[i]!.data), w.name).toBeLessThan(1e-6));
}

describe('FusedAdamOptimizer', () => {
  let reference: Run;
  beforeAll(async () => {
    // The reference: tfjs's own Adam on the cpu backend.
    reference = await run('cpu', () => tf.train.adam(1e-2), 'ref');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('moved the variables at all (the comparison is not of two unchanged copies)', async () => {
    const { initial } = problem(7);
    // Each Adam step moves an element by about the rate (1e-2, then 3e-3): 5 steps, ~0.036.
    expect(relativeError(reference.values[0]!, initial[0]!)).toBeGreaterThan(1e-2);
    expect(reference.weights.map((w) => w.name)).toEqual(['iter', 'w0/m', 'w1/m', 'w2/m', 'w3/m', 'w0/v', 'w1/v', 'w2/v', 'w3/v']);
    expect(Array.from(reference.weights[0]!.data)).toEqual([STEPS]);
  });

  it('on wasm (one pass, no tfjs kernels) equals tfjs Adam on cpu within 1e-6 over several steps and a rate change', async () => {
    expectSameRun(await run('wasm', () => new FusedAdamOptimizer(1e-2, 0.9, 0.999), 'fused'), reference);
  });

  it('on wasm continues equally from its own saved weights (the checkpoint round trip)', async () => {
    expectSameRun(await run('wasm', () => new FusedAdamOptimizer(1e-2, 0.9, 0.999), 'restored', 2), reference);
  });

  it('runs no kernel per variable on wasm, and leaves no tensor behind', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const variables = SHAPES.map((shape, i) => tf.variable(tf.ones(shape), true, `count/w${i}`));
    const optimizer = new FusedAdamOptimizer(1e-3, 0.9, 0.999);
    const grads = () => Object.fromEntries(variables.map((v) => [v.name, tf.onesLike(v)]));
    try {
      let first = grads();
      optimizer.applyGradients(first); // creates the moments
      tf.dispose(Object.values(first));
      first = grads();
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => optimizer.applyGradients(first));
      tf.dispose(Object.values(first));
      // Only the two bias-correction scalars' assignments: tfjs's Adam runs ~12 kernels per variable here.
      expect(profile.kernels.length).toBeLessThanOrEqual(2);
      expect(tf.memory().numTensors).toBe(before - SHAPES.length);
    } finally {
      optimizer.dispose();
      tf.dispose(variables);
    }
  });

  it('runs tfjs Adam itself on other backends', async () => {
    expectSameRun(await run('cpu', () => new FusedAdamOptimizer(1e-2, 0.9, 0.999), 'cpu'), reference);
  });
});
