import { describe, expect, it } from 'vitest';
import { cosineRate, EarlyStopping, ImprovementTracker, PlateauSchedule, DEFAULT_SCHEDULE, warmupCosineRate, warmupSteps } from './schedule';

describe('cosine schedule', () => {
  it('goes from the base rate to base * minFactor through the midpoint average', () => {
    // By hand: base 1e-3, min 1e-5, 11 steps. Step 5 is half way: (1e-3 + 1e-5) / 2 = 5.05e-4.
    expect(cosineRate(1e-3, 0, 11, 0.01)).toBeCloseTo(1e-3, 12);
    expect(cosineRate(1e-3, 5, 11, 0.01)).toBeCloseTo(5.05e-4, 12);
    expect(cosineRate(1e-3, 10, 11, 0.01)).toBeCloseTo(1e-5, 12);
    // a quarter of the way: min + (base - min) * (1 + cos(pi/4)) / 2 = 1e-5 + 9.9e-4 * 0.853553 = 8.5502e-4
    expect(cosineRate(1e-3, 2.5, 11, 0.01)).toBeCloseTo(8.55018e-4, 9);
  });

  it('is monotone non-increasing and clamps past the end', () => {
    const rates = Array.from({ length: 50 }, (_, s) => cosineRate(0.1, s, 50, 0));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]);
    expect(cosineRate(0.1, 80, 50, 0)).toBeCloseTo(0, 12);
    expect(cosineRate(0.1, 0, 1, 0)).toBe(0.1);
  });
});

describe('warm-up then cosine', () => {
  it('climbs linearly to the base rate over the warm-up steps, then follows the cosine over the steps left', () => {
    // By hand: base 1e-3, 21 steps, warm-up 10% -> round(2.1) = 2 steps: 1e-3 * 1/2, then 1e-3 * 2/2.
    expect(warmupSteps(21, 0.1)).toBe(2);
    expect(warmupCosineRate(1e-3, 0, 21, 0.01, 0.1)).toBeCloseTo(5e-4, 12);
    expect(warmupCosineRate(1e-3, 1, 21, 0.01, 0.1)).toBeCloseTo(1e-3, 12);
    // The cosine spans the 19 steps left (2..20): step 2 is its start, step 11 its midpoint, step 20 its end.
    expect(warmupCosineRate(1e-3, 2, 21, 0.01, 0.1)).toBeCloseTo(1e-3, 12);
    expect(warmupCosineRate(1e-3, 11, 21, 0.01, 0.1)).toBeCloseTo(5.05e-4, 12);
    expect(warmupCosineRate(1e-3, 20, 21, 0.01, 0.1)).toBeCloseTo(1e-5, 12);
    // a quarter into the cosine (step 2 + 4.5): 1e-5 + 9.9e-4 * (1 + cos(pi/4)) / 2 = 8.55018e-4
    expect(warmupCosineRate(1e-3, 6.5, 21, 0.01, 0.1)).toBeCloseTo(8.55018e-4, 9);
  });

  it('takes the default 5% warm-up, keeps one step for the cosine, and never warms a one-step run', () => {
    // 100 steps: 5 warm-up steps at 0.2, 0.4, ..., 1.0 of the base rate.
    expect([0, 1, 2, 3, 4].map((s) => warmupCosineRate(0.01, s, 100, 0.01))).toEqual([0.002, 0.004, 0.006, 0.008, 0.01].map((r) => expect.closeTo(r, 12)));
    expect(warmupSteps(10)).toBe(1); // round(0.5) = 1 (JavaScript rounds halves up)
    expect(warmupSteps(2, 0.9)).toBe(1);
    expect(warmupSteps(1)).toBe(0);
    expect(warmupCosineRate(0.01, 0, 1, 0.01)).toBe(0.01);
  });
});

describe('improvement tracking', () => {
  it('counts epochs since the best, ignoring NaN', () => {
    const t = new ImprovementTracker();
    expect(t.record(0, 0.5)).toBe(true);
    expect(t.record(1, 0.4)).toBe(false);
    expect(t.record(2, NaN)).toBe(false);
    expect(t.epochsSinceBest).toBe(2);
    expect(t.record(3, 0.6)).toBe(true);
    expect([t.best, t.bestEpoch, t.epochsSinceBest]).toEqual([0.6, 3, 0]);
  });
});

describe('reduce on plateau', () => {
  it('halves the rate after `patience` epochs without a better Dice, then waits again', () => {
    const schedule = new PlateauSchedule({ ...DEFAULT_SCHEDULE, name: 'plateau', patience: 2, factor: 0.5 });
    const dice = [0.5, 0.6, 0.6, 0.55, 0.58, 0.59, 0.7];
    const lowered = dice.map((d, epoch) => schedule.endEpoch(epoch, d));
    // epochs 2 and 3 do not beat 0.6 -> lowered at epoch 3; epochs 4 and 5 do not either -> lowered at 5
    expect(lowered).toEqual([false, false, false, true, false, true, false]);
    expect(schedule.multiplier).toBe(0.25);
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without a new best validation Dice', () => {
    const stopper = new EarlyStopping(3);
    const decisions = [0.5, 0.7, 0.69, 0.7, 0.65].map((d, epoch) => stopper.endEpoch(epoch, d));
    expect(decisions).toEqual([false, false, false, false, true]);
  });

  it('never stops with patience 0', () => {
    const stopper = new EarlyStopping(0);
    expect(Array.from({ length: 20 }, (_, e) => stopper.endEpoch(e, 0.1)).some(Boolean)).toBe(false);
  });
});
