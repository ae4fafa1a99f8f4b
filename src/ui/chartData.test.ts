import { describe, expect, it } from 'vitest';
import { stepsInRange, thin } from './chartData';

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
  it('shows the whole run thinned to 600 points without a range', () => {
    const shown = stepsInRange(steps, null);
    // stride ceil(2000 / 600) = 4: steps 1, 5, ..., 1997 (500 points) plus the last, 2000.
    expect(shown).toHaveLength(501);
    expect(shown[0].step).toBe(1);
    expect(shown[shown.length - 1].step).toBe(2000);
  });

  it('zoomed, keeps every step of the range (inclusive) that thinning had hidden', () => {
    const shown = stepsInRange(steps, [101, 300]);
    expect(shown.map((s) => s.step)).toEqual(Array.from({ length: 200 }, (_, i) => 101 + i));
  });
});
