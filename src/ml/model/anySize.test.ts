import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { applyAtAnySize } from './anySize';
import { buildModel } from './build';
import { gridResizeMatrix } from './transformer';
import type { ModelConfig } from './presets';

// A small TransUNet: built at 64x96 its token grid is 4x6; at 32x48 it is 2x3.
const config = (height: number, width: number): ModelConfig => ({
  preset: 'transunet',
  height,
  width,
  base: 4,
  dilationRate: 2,
  transformer: { dModel: 16, depth: 1, heads: 2, mlpRatio: 2 },
});

/** The 4x6 table's 2x2 block means: what a half-pixel bilinear resize to 2x3 must give (worked by hand). */
function blockMeans(table: number[][], rows: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows / 2; i++) {
    for (let j = 0; j < cols / 2; j++) {
      const at = (r: number, c: number) => table[r * cols + c];
      out.push(at(2 * i, 2 * j).map((_, k) => (at(2 * i, 2 * j)[k] + at(2 * i, 2 * j + 1)[k] + at(2 * i + 1, 2 * j)[k] + at(2 * i + 1, 2 * j + 1)[k]) / 4));
    }
  }
  return out;
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('applyAtAnySize', () => {
  const big = buildModel(config(64, 96));
  // The reference: the same architecture built at 32x48, with the big model's weights and, for the
  // position table, its 2x2 block means.
  const small = buildModel(config(32, 48));
  const bigWeights = big.getWeights();
  const positionIndex = bigWeights.findIndex((w) => w.shape[0] === 24 && w.shape[1] === 16);
  const table = bigWeights[positionIndex].arraySync() as number[][];
  const smallWeights = bigWeights.map((w, i) => (i === positionIndex ? tf.tensor2d(blockMeans(table, 4, 6)) : w));
  small.setWeights(smallWeights);
  tf.dispose(smallWeights[positionIndex]);
  afterAll(() => {
    big.dispose();
    small.dispose();
  });

  it('finds the 4x6 position table among the weights', () => {
    expect(positionIndex).toBeGreaterThanOrEqual(0);
    expect(small.getWeights()[positionIndex].shape).toEqual([6, 16]);
  });

  it("at the model's own size, equals the model (within 1e-6)", () => {
    const x = tf.randomUniform([2, 64, 96, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const ours = applyAtAnySize(big, x, false);
    const theirs = big.predict(x) as tf.Tensor;
    expect(ours.shape).toEqual([2, 64, 96, 1]);
    expect(maxDifference(ours.dataSync(), theirs.dataSync())).toBeLessThan(1e-6);
    tf.dispose([ours, theirs]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('at half the size, equals the model built at that size with the table resized by hand (within 1e-5)', () => {
    const x = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const ours = applyAtAnySize(big, x, false);
    const reference = small.predict(x) as tf.Tensor;
    expect(ours.shape).toEqual([2, 32, 48, 1]);
    const scale = Math.max(...Array.from(reference.dataSync(), Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxDifference(ours.dataSync(), reference.dataSync()) / scale).toBeLessThan(1e-5);
    tf.dispose([x, ours, reference]);
  });

  it("trains the model's own variables: the table's gradient is the small table's, spread over each 2x2 block / 4", () => {
    const x = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const weighting = tf.randomUniform([2, 32, 48, 1], -1, 1, 'float32', 9);
    const loss = (run: () => tf.Tensor) => () => tf.sum(tf.mul(run(), weighting)) as tf.Scalar;
    const bigTable = big.trainableWeights.find((w) => w.shape[0] === 24)!.read() as tf.Variable;
    const smallTable = small.trainableWeights.find((w) => w.shape[0] === 6)!.read() as tf.Variable;
    const ours = tf.variableGrads(
      loss(() => applyAtAnySize(big, x, true)),
      [bigTable],
    );
    const reference = tf.variableGrads(
      loss(() => small.apply(x, { training: true }) as tf.Tensor),
      [smallTable],
    );
    const smallGrad = reference.grads[smallTable.name].arraySync() as number[][];
    const expected = Array.from({ length: 24 }, (_, t) => smallGrad[Math.floor(Math.floor(t / 6) / 2) * 3 + Math.floor((t % 6) / 2)].map((g) => g / 4));
    const got = ours.grads[bigTable.name].arraySync() as number[][];
    const scale = Math.max(...expected.flat().map(Math.abs));
    expect(scale).toBeGreaterThan(1e-6);
    expect(maxDifference(got.flat(), expected.flat()) / scale).toBeLessThan(1e-4);
    tf.dispose([x, weighting, ours.value, reference.value, ...Object.values(ours.grads), ...Object.values(reference.grads)]);
  });
});

describe('gridResizeMatrix', () => {
  it("resizes a grid as tfjs's forward half-pixel bilinear resize does, down and up, at ratios other than 2 (within 1e-6)", () => {
    for (const [from, to] of [
      [
        [4, 6],
        [3, 5],
      ],
      [
        [2, 3],
        [4, 7],
      ],
    ] as Array<[[number, number], [number, number]]>) {
      const table = tf.randomNormal([from[0] * from[1], 5], 0, 1, 'float32', 11) as tf.Tensor2D;
      const ours = tf.matMul(tf.tensor2d(gridResizeMatrix(from, to), [to[0] * to[1], from[0] * from[1]]), table);
      const theirs = tf.image.resizeBilinear(table.reshape([1, from[0], from[1], 5]) as tf.Tensor4D, to, false, true);
      expect(maxDifference(ours.dataSync(), theirs.dataSync())).toBeLessThan(1e-6);
      tf.dispose([table, ours, theirs]);
    }
  });
});
