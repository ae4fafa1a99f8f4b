import { describe, expect, it } from 'vitest';
import { stepSeries } from '../store/steps';
import { smoothSeries } from './smoothing';

const TOLERANCE = 12; // decimal places: the hand values below are exact fractions

describe('smoothSeries (debiased EMA)', () => {
  it('matches a hand-computed debiased EMA, skipping a non-finite value', () => {
    // w = 0.5, x = [4, 2, NaN, 8]:
    // t=1: s = 0.5*0 + 0.5*4 = 2;   debiased 2 / (1 - 0.5)   = 4      (the first raw value)
    // t=2: s = 0.5*2 + 0.5*2 = 2;   debiased 2 / (1 - 0.25)  = 8/3
    // NaN: skipped, the average holds:                         8/3
    // t=3: s = 0.5*2 + 0.5*8 = 5;   debiased 5 / (1 - 0.125) = 40/7
    // Cross-check of t=3 as a weighted mean (weights w^2, w, 1): (0.25*4 + 0.5*2 + 8) / 1.75 = 10 / 1.75 = 40/7.
    const smoothed = smoothSeries([4, 2, NaN, 8], 0.5);
    [4, 8 / 3, 8 / 3, 40 / 7].forEach((v, i) => expect(smoothed[i]).toBeCloseTo(v, TOLERANCE));
  });

  it("matches TensorBoard's default weight by hand", () => {
    // w = 0.6, x = [1, 0.5, 0.2]:
    // t=1: s = 0.4*1 = 0.4;                   0.4 / 0.4 = 1
    // t=2: s = 0.6*0.4 + 0.4*0.5 = 0.44;       0.44 / (1 - 0.36) = 0.6875
    // t=3: s = 0.6*0.44 + 0.4*0.2 = 0.344;     0.344 / (1 - 0.216) = 0.344 / 0.784 = 43/98
    const smoothed = smoothSeries([1, 0.5, 0.2], 0.6);
    [1, 0.6875, 43 / 98].forEach((v, i) => expect(smoothed[i]).toBeCloseTo(v, TOLERANCE));
  });

  it('starts on the first raw value at any weight (the bias TensorBoard had to fix), even after leading NaNs', () => {
    for (const w of [0, 0.3, 0.6, 0.9, 0.99]) {
      expect(smoothSeries([0.731, 0.2, 0.1], w)[0]).toBeCloseTo(0.731, TOLERANCE);
      const late = smoothSeries([NaN, Infinity, 0.731, 0.2], w);
      expect(late[0]).toBeNaN(); // nothing to average yet
      expect(late[1]).toBeNaN();
      expect(late[2]).toBeCloseTo(0.731, TOLERANCE);
    }
    // Without the debiasing, w = 0.9 would start at 0.1 * 0.731 = 0.0731: ten times too low.
    expect(smoothSeries([0.731], 0.9)[0]).not.toBeCloseTo(0.0731, 3);
  });

  it('at weight 0 is the raw series, and a constant series stays constant', () => {
    expect(smoothSeries([3, 1, 2], 0)).toEqual([3, 1, 2]);
    smoothSeries(Array(50).fill(0.25), 0.99).forEach((v) => expect(v).toBeCloseTo(0.25, TOLERANCE));
  });

  it('continues across a NaN rollback on the page series: the undone steps never enter the average', () => {
    // Steps 1-3, then the trainer's undone steps 4-5 (a spike, then NaN), then it restores step 3 and redoes 4.
    const log = [1, 2, 3, 4, 5, 4].map((step, i) => ({ step, loss: [4, 2, 8, 100, NaN, 1][i], learningRate: 1e-3 }));
    const { steps, rollbacks } = stepSeries(log);
    expect(rollbacks).toEqual([{ step: 3, from: 5 }]);
    // The kept losses are [4, 2, 8, 1]; w = 0.5 gives 4, 8/3, 40/7 (as above), then
    // t=4: s = 0.5*5 + 0.5*1 = 3; debiased 3 / (1 - 0.0625) = 3.2.
    const smoothed = smoothSeries(
      steps.map((s) => s.loss),
      0.5,
    );
    [4, 8 / 3, 40 / 7, 3.2].forEach((v, i) => expect(smoothed[i]).toBeCloseTo(v, TOLERANCE));
  });

  it('refuses a weight outside [0, 1) with a message naming it', () => {
    expect(() => smoothSeries([1], 1)).toThrow('smoothing weight must be in [0, 1), got 1');
    expect(() => smoothSeries([1], NaN)).toThrow(/got NaN/);
  });
});
