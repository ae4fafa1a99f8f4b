import { describe, expect, it } from 'vitest';
import { MAX_STEP_POINTS, stepsInRange, thin, thinMinMax } from './chartData';

const steps = Array.from({ length: 2000 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), learningRate: 1e-3 }));

describe('thin', () => {
  it('keeps short series whole and long ones under the cap, evenly, with the last point', () => {
    expect(thin([1, 2, 3], 5)).toEqual([1, 2, 3]);
    // 10 points, cap 4: stride ceil(10 / 4) = 3 keeps indices 0, 3, 6, 9 (9 is the last).
    expect(thin([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    // 11 points, cap 4: stride 3 keeps 0, 3, 6, 9, then the last (10) is added.
    expect(thin([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([0, 3, 6, 9, 10]);
  });
});

describe('stepsInRange', () => {
  it('shows the whole run thinned to at most 300 points, first and last kept, in step order', () => {
    const shown = stepsInRange(steps, null);
    expect(shown.length).toBeLessThanOrEqual(MAX_STEP_POINTS);
    expect(shown.length).toBeGreaterThan(MAX_STEP_POINTS / 2);
    expect(shown[0].step).toBe(1);
    expect(shown[shown.length - 1].step).toBe(2000);
    expect(shown.every((s, i) => i === 0 || s.step > shown[i - 1].step)).toBe(true);
  });

  it('zoomed, keeps every step of the range (inclusive) that thinning had hidden', () => {
    const shown = stepsInRange(steps, [101, 300]);
    expect(shown.map((s) => s.step)).toEqual(Array.from({ length: 200 }, (_, i) => 101 + i));
  });
});

describe('thinMinMax', () => {
  it('keeps a one-step spike and dip that even thinning would drop', () => {
    const flat = Array.from({ length: 5000 }, (_, i) => ({ step: i + 1, loss: 0.5 }));
    flat[2222].loss = 9; // a spike between two kept points of any stride
    flat[3333].loss = 0.01;
    const shown = thinMinMax(flat, (p) => p.loss);
    expect(shown.length).toBeLessThanOrEqual(MAX_STEP_POINTS);
    expect(Math.max(...shown.map((p) => p.loss))).toBe(9);
    expect(Math.min(...shown.map((p) => p.loss))).toBe(0.01);
    expect(Math.max(...thin(flat, MAX_STEP_POINTS).map((p) => p.loss))).toBe(0.5); // what the even stride drew
  });

  it('keeps short series whole', () => {
    expect(thinMinMax([3, 1, 2], (v) => v, 10)).toEqual([3, 1, 2]);
  });
});
