/** The worker's step series: columns, strictly increasing in step across NaN rollbacks, thinned past its limit. */
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../ml/train/config';
import { StepLog } from './stepLog';

const point = (step: number, loss = 1 / step): StepRecord => ({ step, loss, learningRate: 0.001 / 3 });

describe('StepLog', () => {
  it('gives back exactly what it was given, as records', () => {
    const log = new StepLog();
    const points = Array.from({ length: 1000 }, (_, i) => point(i + 1, Math.fround(Math.random())));
    for (const p of points) log.push(p);
    expect(log.toArray()).toEqual(points);
    expect(log.rollbacks).toEqual([]);
  });

  it('drops the steps a NaN rollback undid and marks where it went back', () => {
    const log = new StepLog();
    for (let step = 1; step <= 6; step++) log.push(point(step));
    // The trainer restored the checkpoint at step 3: the next step is 4 again.
    log.push(point(4, 0.5));
    log.push(point(5, 0.4));
    expect(log.toArray()).toEqual([point(1), point(2), point(3), point(4, 0.5), point(5, 0.4)]);
    expect(log.rollbacks).toEqual([{ step: 3, from: 6 }]);
    const steps = log.toArray().map((s) => s.step);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1])).toBe(true);
  });

  it('cleans a stored series that kept the undone steps, and keeps the rollbacks it was given', () => {
    const stored = [1, 2, 3, 4, 3, 4, 5].map((s) => point(s));
    const log = new StepLog(stored, [{ step: 1, from: 1 }]);
    expect(log.toArray().map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(log.rollbacks).toEqual([
      { step: 1, from: 1 },
      { step: 2, from: 4 },
    ]);
  });

  it('thins by half past its limit, as the record always did (every other step kept)', () => {
    const log = new StepLog([], [], 10);
    for (let step = 1; step <= 11; step++) log.push(point(step));
    expect(log.toArray().map((s) => s.step)).toEqual([1, 3, 5, 7, 9, 11]);
    for (let step = 12; step <= 40; step++) log.push(point(step));
    expect(log.length).toBeLessThanOrEqual(10);
    const steps = log.toArray().map((s) => s.step);
    expect(steps[steps.length - 1]).toBe(40);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1])).toBe(true);
  });

  it('a rollback into a thinned series keeps only the steps before it', () => {
    const log = new StepLog([], [], 10);
    for (let step = 1; step <= 11; step++) log.push(point(step)); // 1, 3, 5, 7, 9, 11
    log.push(point(6));
    expect(log.toArray().map((s) => s.step)).toEqual([1, 3, 5, 6]);
    expect(log.rollbacks).toEqual([{ step: 5, from: 11 }]);
  });
});
