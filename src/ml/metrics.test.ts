import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { confusionCounts, logitThreshold, meanMetrics, metricsFromCounts, unpackCounts } from './metrics';

async function counts(logits: number[], targets: number[], threshold = 0.5) {
  const t = tf.tidy(() => confusionCounts(tf.tensor4d(logits, [1, 1, logits.length, 1]), tf.tensor4d(targets, [1, 1, targets.length, 1]), threshold));
  try {
    return unpackCounts(await t.data())[0];
  } finally {
    t.dispose();
  }
}

describe('confusion counts', () => {
  it('counts a small image by hand', async () => {
    // predictions (logit > 0): 1 1 0 0 1 ; truth: 1 0 1 0 1 -> TP 2, FP 1, FN 1, TN 1
    expect(await counts([3, 0.5, -2, -0.1, 9], [1, 0, 1, 0, 1])).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1 });
  });

  it('applies the probability threshold', async () => {
    // sigmoid(0.5) = 0.62: positive at 0.5, negative at 0.7
    expect(await counts([0.5], [1], 0.5)).toEqual({ tp: 1, fp: 0, fn: 0, tn: 0 });
    expect(await counts([0.5], [1], 0.7)).toEqual({ tp: 0, fp: 0, fn: 1, tn: 0 });
    expect(logitThreshold(0.5)).toBe(0);
    expect(() => logitThreshold(1)).toThrow(/between 0 and 1/);
  });
});

describe('metrics from counts', () => {
  it('matches hand values', () => {
    // TP 2, FP 1, FN 1, TN 1: Dice 4/6, IoU 2/4, precision 2/3, recall 2/3, accuracy 3/5
    const m = metricsFromCounts({ tp: 2, fp: 1, fn: 1, tn: 1 });
    expect(m.dice).toBeCloseTo(4 / 6, 12);
    expect(m.iou).toBeCloseTo(0.5, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBeCloseTo(0.6, 12);
  });

  it('scores an empty prediction on an empty mask as 1', () => {
    expect(metricsFromCounts({ tp: 0, fp: 0, fn: 0, tn: 100 })).toEqual({
      dice: 1,
      iou: 1,
      precision: 1,
      recall: 1,
      accuracy: 1,
    });
  });

  it('scores an empty prediction on a non-empty mask as 0', () => {
    const m = metricsFromCounts({ tp: 0, fp: 0, fn: 10, tn: 90 });
    expect([m.dice, m.iou, m.precision, m.recall]).toEqual([0, 0, 0, 0]);
    expect(m.accuracy).toBeCloseTo(0.9, 12);
  });

  it('scores false positives on an empty mask as 0 Dice and 0 recall', () => {
    const m = metricsFromCounts({ tp: 0, fp: 5, fn: 0, tn: 95 });
    expect([m.dice, m.iou, m.precision, m.recall]).toEqual([0, 0, 0, 0]);
  });

  it('averages per image, not per pixel', () => {
    const perfect = metricsFromCounts({ tp: 1000, fp: 0, fn: 0, tn: 0 });
    const half = metricsFromCounts({ tp: 1, fp: 2, fn: 0, tn: 0 }); // Dice 2/4
    expect(meanMetrics([perfect, half]).dice).toBeCloseTo(0.75, 12);
    expect(meanMetrics([]).dice).toBeNaN();
  });
});
