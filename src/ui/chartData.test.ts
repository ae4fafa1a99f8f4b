import { describe, expect, it } from 'vitest';
import { MAX_STEP_POINTS, stepsInRange, thin, thinMinMax, thinWithBand, withSmoothedLoss } from './chartData';

const steps = Array.from({ length: 2000 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), learningRate: 1e-3 }));
const lossOf = (s: { loss: number }) => s.loss;

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
    const shown = stepsInRange(steps, null, lossOf).points;
    expect(shown.length).toBeLessThanOrEqual(MAX_STEP_POINTS);
    expect(shown.length).toBeGreaterThan(MAX_STEP_POINTS / 2);
    expect(shown[0].step).toBe(1);
    expect(shown[shown.length - 1].step).toBe(2000);
    expect(shown.every((s, i) => i === 0 || s.step > shown[i - 1].step)).toBe(true);
  });

  it('zoomed, keeps every step of the range (inclusive) that thinning had hidden', () => {
    const { points: shown, band } = stepsInRange(steps, [101, 300], lossOf);
    expect(shown.map((s) => s.step)).toEqual(Array.from({ length: 200 }, (_, i) => 101 + i));
    expect(band).toEqual([]); // nothing thinned, nothing hidden
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

describe('thinWithBand', () => {
  it("draws a band of each bucket's raw extremes, and a one-step spike lies inside it", () => {
    const flat = Array.from({ length: 5000 }, (_, i) => ({ step: i + 1, loss: 0.5 + 0.01 * Math.sin(i) }));
    flat[2222].loss = 9;
    flat[3333].loss = NaN; // never an extreme
    const { points, band } = thinWithBand(flat, (p) => p.step, lossOf);
    expect(points.length).toBeLessThanOrEqual(MAX_STEP_POINTS);
    // 149 buckets ((300 - 2) / 2) over the 4998 points between the first and the last.
    expect(band).toHaveLength(149);
    // The buckets tile steps 2..4999 in order, without gaps or overlaps.
    expect(band[0].from).toBe(2);
    expect(band[band.length - 1].to).toBe(4999);
    band.forEach((b, i) => i > 0 && expect(b.from).toBe(band[i - 1].to + 1));
    const spike = band.filter((b) => b.from <= 2223 && 2223 <= b.to);
    expect(spike).toHaveLength(1);
    expect(spike[0].hi).toBe(9);
    expect(spike[0].lo).toBeGreaterThanOrEqual(0.49);
    // Every raw value lies in its bucket's band (the NaN aside); each bucket's ends are raw values of it.
    for (const b of band) {
      const raw = flat
        .slice(b.from - 1, b.to)
        .map(lossOf)
        .filter(Number.isFinite);
      expect(b.lo).toBe(Math.min(...raw));
      expect(b.hi).toBe(Math.max(...raw));
    }
  });

  it('a bucket of only non-finite values has NaN ends (drawn as a gap)', () => {
    const at = (values: number[]) => values.map((loss, i) => ({ step: i, loss }));
    // max 4: one bucket over the 5 inner points (steps 1..5): NaN, NaN, 2, 3, 4 -> lo 2, hi 4.
    expect(thinWithBand(at([1, NaN, NaN, 2, 3, 4, 5]), (p) => p.step, lossOf, 4).band).toEqual([{ from: 1, to: 5, lo: 2, hi: 4 }]);
    const [onlyNaN] = thinWithBand(at([1, NaN, NaN, NaN, 5]), (p) => p.step, lossOf, 4).band;
    expect(onlyNaN.lo).toBeNaN();
    expect(onlyNaN.hi).toBeNaN();
  });
});

describe('withSmoothedLoss', () => {
  it("smooths over the whole run, so a zoomed view keeps each step's smoothed value", () => {
    const rows = withSmoothedLoss(steps, 0.9);
    expect(rows[0].smoothed).toBe(steps[0].loss); // debiased: starts on the first loss
    const zoomed = stepsInRange(rows, [101, 300], lossOf).points;
    expect(zoomed[0].smoothed).toBe(rows[100].smoothed);
    // The smoothed loss lags a falling loss: above the raw value there.
    expect(rows[100].smoothed).toBeGreaterThan(rows[100].loss);
  });
});
