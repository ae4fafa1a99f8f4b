import { describe, expect, it } from 'vitest';
import { RecentStepTimes } from './stepTimes';

describe('RecentStepTimes', () => {
  it('holds only the last `size` step times, however long the run, and gives their median', () => {
    const times = new RecentStepTimes(20);
    expect(times.median()).toBe(0);
    for (let ms = 1; ms <= 10_000; ms++) times.add(ms);
    expect(times.length).toBe(20);
    // The last 20 are 9981..10000; the upper middle one of 20 sorted values is the 11th.
    expect(times.median()).toBe(9991);
  });

  it('gives the median of fewer times than the window', () => {
    const times = new RecentStepTimes(20);
    for (const ms of [30, 10, 20]) times.add(ms);
    expect(times.median()).toBe(20);
  });
});
