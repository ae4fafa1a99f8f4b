import { describe, expect, it } from 'vitest';
import { smoothSeries } from './smoothing';
import { bandPath, extent, linePath, linearScale, logScale, nearestIndex } from './svgScale';

describe('svg chart scales', () => {
  it('a nice linear scale widens to round ticks that cover the data', () => {
    const scale = linearScale([0.13, 0.87], true);
    expect(scale.domain).toEqual([0, 1]);
    expect(scale.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(scale.at(0.5, 100)).toBeCloseTo(50, 9);
  });

  it('a step axis keeps integer ticks inside the exact range', () => {
    const scale = linearScale([1, 37], false, 5, true);
    expect(scale.domain).toEqual([1, 37]);
    expect(scale.ticks).toEqual([10, 20, 30]);
  });

  it('a log scale spans whole decades with 1-2-5 ticks', () => {
    const scale = logScale([0.03, 0.8]);
    expect(scale.domain[0]).toBeCloseTo(0.01, 12);
    expect(scale.domain[1]).toBeCloseTo(1, 12);
    expect(scale.ticks).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(scale.at(0.1, 100)).toBeCloseTo(50, 9);
    expect(logScale([0, 1]).ticks).toEqual([0.1, 0.2, 0.5, 1]); // an empty chart's range has no log
  });

  it('extent skips what cannot be drawn and widens a single value', () => {
    expect(extent([NaN, 2, Infinity, 5])).toEqual([2, 5]);
    expect(extent([0, 0.1, 1], true)).toEqual([0.1, 1]);
    expect(extent([3])).toEqual([2.7, 3.3]);
    expect(extent([NaN])).toBeNull();
  });

  // CI's first loss: its debiased smoothed value, (0.4 * x) / 0.4, is x - 1 ulp. Drawn together, the span
  // of 1 ulp made a tick step below the values' rounding, `t += step` never moved, and the page died at step 1.
  it('a raw value and its smoothed copy a rounding apart are one value: widened, a handful of ticks', () => {
    const loss = 0.6871877312660217;
    const [smoothed] = smoothSeries([loss], 0.6);
    expect(smoothed).not.toBe(loss);
    expect(Math.abs(smoothed - loss)).toBeLessThan(2e-16);
    const [lo, hi] = extent([loss, smoothed])!;
    expect(lo).toBeCloseTo(loss * 0.9, 12);
    expect(hi).toBeCloseTo(loss * 1.1, 12);
    // [0.6185, 0.7559]: span / 5 = 0.0275, so a step of 0.02 from 0.60 to 0.76.
    expect(linearScale([lo, hi], true).ticks).toEqual([0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74, 0.76]);
  });

  it('any range gives a bounded, distinct list of ticks, a 1-ulp span included', () => {
    for (const range of [
      [0.6871877312660216, 0.6871877312660217],
      [1e15, 1e15 + 0.25],
      [-3, 1e300],
    ] as Array<[number, number]>) {
      const { ticks } = linearScale(range, true);
      expect(ticks.length).toBeLessThanOrEqual(50);
      expect(new Set(ticks).size).toBe(ticks.length);
    }
  });

  it('a path breaks at a missing value and holds steps for a step line', () => {
    expect(
      linePath([
        [0, 1],
        [1, 2],
        [2, NaN],
        [3, 4],
        [4, 5],
      ]),
    ).toBe('M0.0,1.0L1.0,2.0M3.0,4.0L4.0,5.0');
    expect(
      linePath(
        [
          [0, 1],
          [2, 3],
        ],
        true,
      ),
    ).toBe('M0.0,1.0H2.0V3.0');
  });

  it('a band runs along the tops, back along the bottoms, and leaves a gap at a missing end', () => {
    const band = bandPath([
      [0, 2, 10, 5],
      [3, 4, 9, 1],
      [5, 6, NaN, NaN],
      [7, 8, 3, 2],
    ]);
    expect(band).toBe('M0.0,5.0H2.0L3.0,1.0H4.0L4.0,9.0H3.0L2.0,10.0H0.0Z' + 'M7.0,2.0H8.0L8.0,3.0H7.0Z');
    expect(bandPath([])).toBe('');
  });

  it('finds the nearest point by x', () => {
    const xs = [1, 5, 9, 20];
    expect([0, 2, 4, 8, 14, 15, 99].map((x) => nearestIndex(xs, x))).toEqual([0, 0, 1, 2, 2, 3, 3]);
  });
});
