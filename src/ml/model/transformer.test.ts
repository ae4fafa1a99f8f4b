import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gelu, TransformerBlock } from './transformer';

type Matrix = number[][];

// A plain-JS pre-norm encoder block, written from the equations, to check the tf layer against.
const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const addBias = (a: Matrix, bias: number[]): Matrix => a.map((row) => row.map((v, j) => v + bias[j]));
const addMatrix = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + b[i][j]));
const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is only 1e-7 accurate; a series is plenty for |x| < 6.
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const referenceGelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
function layerNorm(a: Matrix, gamma: number[], beta: number[]): Matrix {
  return a.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-6)) * gamma[j] + beta[j]);
  });
}
function softmaxRows(a: Matrix): Matrix {
  return a.map((row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const total = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / total);
  });
}
function referenceBlock(x: Matrix, w: Record<string, number[] | Matrix>, heads: number): Matrix {
  const d = x[0].length;
  const dh = d / heads;
  const qkv = addBias(matmul(layerNorm(x, w.ln1_gamma as number[], w.ln1_beta as number[]), w.qkv_kernel as Matrix), w.qkv_bias as number[]);
  const merged: Matrix = x.map(() => new Array(d).fill(0));
  for (let h = 0; h < heads; h++) {
    const slice = (offset: number) => qkv.map((row) => row.slice(offset + h * dh, offset + (h + 1) * dh));
    const [q, k, v] = [slice(0), slice(d), slice(2 * d)];
    const scores = matmul(
      q,
      k[0].map((_, j) => k.map((row) => row[j])),
    ).map((row) => row.map((s) => s / Math.sqrt(dh)));
    const out = matmul(softmaxRows(scores), v);
    out.forEach((row, i) => row.forEach((value, j) => (merged[i][h * dh + j] = value)));
  }
  const afterAttention = addMatrix(x, addBias(matmul(merged, w.out_kernel as Matrix), w.out_bias as number[]));
  const normed = layerNorm(afterAttention, w.ln2_gamma as number[], w.ln2_beta as number[]);
  const hidden = addBias(matmul(normed, w.mlp1_kernel as Matrix), w.mlp1_bias as number[]).map((r) => r.map(referenceGelu));
  return addMatrix(afterAttention, addBias(matmul(hidden, w.mlp2_kernel as Matrix), w.mlp2_bias as number[]));
}

describe('GELU', () => {
  it('matches x * Phi(x) at known points (within 1e-6)', async () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([-1, 0, 1, 2]);
    const y = gelu(x);
    try {
      const values = Array.from(await y.data());
      [-0.158655, 0, 0.841345, 1.9545].forEach((expected, i) => expect(Math.abs(values[i] - expected)).toBeLessThan(1e-6));
    } finally {
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('TransformerBlock', () => {
  it('equals a plain-JS pre-norm attention block (within 1e-4)', async () => {
    const before = tf.memory().numTensors;
    const [tokens, d, heads] = [5, 8, 2];
    const block = new TransformerBlock({ heads, mlpRatio: 4 });
    const x = tf.randomNormal([2, tokens, d], 0, 1, 'float32', 11);
    const made: tf.Tensor[] = [x];
    try {
      made.push(block.apply(x) as tf.Tensor); // builds the weights
      // Non-trivial LayerNorm and bias weights, so every term is checked.
      const random = block.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 100 + i));
      made.push(...random);
      block.setWeights(random); // copies into the block's variables
      const y = block.apply(x) as tf.Tensor;
      made.push(y);

      const names = [
        'ln1_gamma',
        'ln1_beta',
        'qkv_kernel',
        'qkv_bias',
        'out_kernel',
        'out_bias',
        'ln2_gamma',
        'ln2_beta',
        'mlp1_kernel',
        'mlp1_bias',
        'mlp2_kernel',
        'mlp2_bias',
      ];
      const weights = Object.fromEntries(await Promise.all(block.getWeights().map(async (w, i) => [names[i], (await w.array()) as number[] | Matrix])));
      const inputs = (await x.array()) as number[][][];
      const outputs = (await y.array()) as number[][][];
      let worst = 0;
      inputs.forEach((sequence, b) => {
        const expected = referenceBlock(sequence, weights, heads);
        expected.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - outputs[b][i][j])))));
      });
      expect(worst).toBeLessThan(1e-4);
      expect(block.getWeights().map((w) => w.shape)).toEqual([[d], [d], [d, 3 * d], [3 * d], [d, d], [d], [d], [d], [d, 4 * d], [4 * d], [4 * d, d], [d]]);
    } finally {
      tf.dispose(made);
      block.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a width that the heads do not divide', () => {
    const before = tf.memory().numTensors;
    const block = new TransformerBlock({ heads: 3 });
    const x = tf.zeros([1, 4, 8]);
    try {
      expect(() => block.apply(x)).toThrow(/not divisible by 3 heads/);
    } finally {
      x.dispose();
      if (block.built) block.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
