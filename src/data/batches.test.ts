import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunk, epochOrder, makeBatch, sequentialBatches } from './batches';
import type { PixelSet } from './dataset';

/**
 * Three 1x2 pairs with pixel values chosen so that value / 255 is a short decimal:
 * 51 -> 0.2, 102 -> 0.4, 153 -> 0.6, 204 -> 0.8, 255 -> 1.
 */
const TINY: PixelSet = {
  height: 1,
  width: 2,
  count: 3,
  images: Uint8Array.from([
    0,
    51,
    102,
    /**/ 153,
    204,
    255, // pair 0
    255,
    255,
    255,
    /**/ 0,
    0,
    0, // pair 1
    204,
    153,
    102,
    /**/ 51,
    0,
    255, // pair 2
  ]),
  masks: Uint8Array.from([1, 0, /**/ 0, 0, /**/ 0, 1]),
  names: ['p0', 'p1', 'p2'],
};

/** float32 keeps 0.2 as 0.200000003: compare to 6 decimals. */
const DIGITS = 6;

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('epochOrder', () => {
  it('visits every index exactly once per epoch', () => {
    for (const count of [0, 1, 2, 7, 100]) {
      for (const epoch of [0, 1, 5]) expect(sorted(epochOrder(count, 42, epoch))).toEqual(range(count));
    }
  });

  it('gives the same order for the same seed and epoch', () => {
    expect(epochOrder(50, 3, 4)).toEqual(epochOrder(50, 3, 4));
  });

  it('gives another order each epoch and for another seed', () => {
    const epochs = range(5).map((epoch) => epochOrder(50, 3, epoch).join(','));
    expect(new Set(epochs).size).toBe(5);
    expect(epochOrder(50, 4, 0)).not.toEqual(epochOrder(50, 3, 0));
    // A shuffle, not the identity: 50 pairs in input order would be a 1-in-50! coincidence.
    for (const order of epochs) expect(order).not.toBe(range(50).join(','));
  });
});

describe('chunk', () => {
  it('cuts an order into full batches and one short last batch, keeping the order', () => {
    expect(chunk([9, 3, 5, 1, 0, 8, 2, 7, 6, 4], 4)).toEqual([
      [9, 3, 5, 1],
      [0, 8, 2, 7],
      [6, 4],
    ]);
    expect(chunk([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]); // no empty batch when it divides evenly
    expect(chunk([5], 4)).toEqual([[5]]);
    expect(chunk([], 4)).toEqual([]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) expect(() => chunk([1, 2], bad)).toThrow(`Batch size ${bad} must be a positive integer.`);
  });
});

describe('makeBatch and sequentialBatches', () => {
  let tensorsBefore = 0;
  beforeEach(() => {
    tensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    // Every test disposes what it made: nothing may be left behind.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('stacks the chosen pairs in the given order: x = pixel / 255, y in {0, 1}', async () => {
    const { x, y } = makeBatch(TINY, [2, 0]);
    try {
      expect(x.shape).toEqual([2, 1, 2, 3]);
      expect(y.shape).toEqual([2, 1, 2, 1]);
      expect([x.dtype, y.dtype]).toEqual(['float32', 'float32']);
      const xs = [...(await x.data())];
      const expected = [0.8, 0.6, 0.4, /**/ 0.2, 0, 1, /**/ 0, 0.2, 0.4, /**/ 0.6, 0.8, 1];
      expect(xs).toHaveLength(expected.length);
      xs.forEach((v, i) => expect(v, `x[${i}]`).toBeCloseTo(expected[i], DIGITS));
      expect([...(await y.data())]).toEqual([0, 1, /**/ 1, 0]);
    } finally {
      x.dispose();
      y.dispose();
    }
  });

  it('takes the same pair twice when asked (indices are not deduplicated)', async () => {
    const { x, y } = makeBatch(TINY, [1, 1]);
    try {
      expect([...(await x.data())]).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
      expect([...(await y.data())]).toEqual([0, 0, 0, 0]);
    } finally {
      x.dispose();
      y.dispose();
    }
  });

  it('walks every pair once in input order, with a short last batch', async () => {
    const seen: number[][] = [];
    for (const { x, y } of sequentialBatches(TINY, 2)) {
      try {
        seen.push([x.shape[0], ...(await y.data())]);
      } finally {
        x.dispose();
        y.dispose();
      }
    }
    // [batch size, ...mask values]: pairs 0 and 1, then pair 2 alone.
    expect(seen).toEqual([
      [2, 1, 0, 0, 0],
      [1, 0, 1],
    ]);
  });
});
