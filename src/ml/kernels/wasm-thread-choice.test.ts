import { describe, expect, it } from 'vitest';
import { chooseThreads, PAGE_SPARE_CORES, threadCandidates, usableCores } from './wasm-thread-choice';

describe('threadCandidates', () => {
  it('times 1, half the cores and all of them, capped at the pthread pool of 8', () => {
    expect(threadCandidates(1)).toEqual([1]);
    expect(threadCandidates(2)).toEqual([1, 2]);
    expect(threadCandidates(3)).toEqual([1, 3]);
    expect(threadCandidates(8)).toEqual([1, 4, 8]);
    expect(threadCandidates(32)).toEqual([1, 4, 8]);
  });
});

describe('usableCores', () => {
  it('leaves the page its core: a 2-core machine trains the page on 1 thread, the command line may time 2', () => {
    expect(PAGE_SPARE_CORES).toBe(1);
    expect(threadCandidates(usableCores(2, PAGE_SPARE_CORES))).toEqual([1]);
    expect(threadCandidates(usableCores(2, 0))).toEqual([1, 2]);
    // An 8-core laptop's page times 1, 3 and 7 threads: never one thread only.
    expect(threadCandidates(usableCores(8, PAGE_SPARE_CORES))).toEqual([1, 3, 7]);
    expect(usableCores(1, PAGE_SPARE_CORES)).toBe(1);
    expect(usableCores(4.9, -2)).toBe(4);
  });
});

describe('chooseThreads', () => {
  it('keeps the fastest count', () => {
    const choice = chooseThreads([
      { threads: 1, ms: 1121 },
      { threads: 4, ms: 500 },
      { threads: 8, ms: 735 },
    ]);
    expect(choice.threads).toBe(4);
    expect(choice.reason).toBe('4 threads: fastest (a training step took 1: 1121 ms, 4: 500 ms, 8: 735 ms)');
  });

  it('gives a tie to fewer threads: more must save over 5% of the step', () => {
    // 2 threads at 960 ms save 4% of 1,000: not enough. 8 threads at 940 ms save 6% of the best so far
    // (1 thread, 1,000 ms; timings may come in any order).
    expect(
      chooseThreads([
        { threads: 1, ms: 1000 },
        { threads: 2, ms: 960 },
      ]),
    ).toMatchObject({ threads: 1, reason: '1 thread: no more threads saved 5% of a step (a training step took 1: 1000 ms, 2: 960 ms)' });
    expect(
      chooseThreads([
        { threads: 2, ms: 960 },
        { threads: 1, ms: 1000 },
        { threads: 8, ms: 940 },
      ]).threads,
    ).toBe(8);
    // 4 threads win over 1; 8 threads are 3% faster than 4, not enough to take four more cores.
    expect(
      chooseThreads([
        { threads: 1, ms: 1000 },
        { threads: 4, ms: 600 },
        { threads: 8, ms: 582 },
      ]).threads,
    ).toBe(4);
    expect(
      chooseThreads([
        { threads: 1, ms: 100 },
        { threads: 2, ms: 100 },
      ]).threads,
    ).toBe(1);
  });

  it('skips counts that failed, and falls back to 1 thread when none was timed', () => {
    expect(
      chooseThreads([
        { threads: 1, ms: 300 },
        { threads: 2, ms: null, error: 'not isolated' },
      ]),
    ).toMatchObject({
      threads: 1,
      reason: '1 thread: the only count timed (a training step took 1: 300 ms, 2: failed (not isolated))',
    });
    expect(chooseThreads([{ threads: 2, ms: null, error: 'timed out' }])).toMatchObject({
      threads: 1,
      reason: '1 thread: no thread count could be timed (2: failed (timed out))',
    });
  });
});
