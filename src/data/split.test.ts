import { describe, expect, it } from 'vitest';
import type { Pair } from './pairing';
import { createRng, shuffleInPlace } from './random';
import { splitByGroup, splitCounts, type Split } from './split';

/** `groups` groups of `perGroup` pairs each, named like Carvana files. */
function makePairs(groups: number, perGroup = 16): Pair[] {
  const pairs: Pair[] = [];
  for (let g = 0; g < groups; g++) {
    const group = g.toString(16).padStart(12, '0');
    for (let a = 1; a <= perGroup; a++) {
      const stem = `${group}_${String(a).padStart(2, '0')}`;
      pairs.push({ stem, image: `train/${stem}.jpg`, mask: `train_masks/${stem}_mask.gif`, group });
    }
  }
  return pairs;
}

const RATIOS = { train: 0.8, val: 0.1, test: 0.1 };

function groupsOf(pairs: Pair[]): Set<string> {
  return new Set(pairs.map((p) => p.group));
}

describe('splitCounts (the rounding rule)', () => {
  it.each([
    // n, ratios, expected train/val/test
    [32, RATIOS, [26, 3, 3]],
    [10, RATIOS, [8, 1, 1]],
    [5, RATIOS, [3, 1, 1]],
    [3, RATIOS, [1, 1, 1]],
    [2, RATIOS, [2, 0, 0]],
    [1, RATIOS, [1, 0, 0]],
    [0, RATIOS, [0, 0, 0]],
    [318, RATIOS, [254, 32, 32]],
    [3, { train: 0, val: 0.5, test: 0.5 }, [0, 2, 1]],
    [7, { train: 1, val: 0, test: 0 }, [7, 0, 0]],
    [4, { train: 0.5, val: 0.5, test: 0 }, [2, 2, 0]],
    [3, { train: 0.1, val: 0.8, test: 0.1 }, [1, 1, 1]],
  ] as const)('n=%i %o -> %o', (n, ratios, [train, val, test]) => {
    expect(splitCounts(n, ratios)).toEqual({ train, val, test });
  });

  it('never loses or invents groups, and gives every non-zero split a group when n >= 3', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 500; trial++) {
      const a = rng();
      const b = rng() * (1 - a);
      const ratios = { train: a, val: b, test: 1 - a - b };
      const n = Math.floor(rng() * 60);
      const counts = splitCounts(n, ratios);
      expect(counts.train + counts.val + counts.test).toBe(n);
      for (const name of ['train', 'val', 'test'] as const) {
        expect(counts[name]).toBeGreaterThanOrEqual(0);
        if (n >= 3 && ratios[name] > 0) expect(counts[name]).toBeGreaterThanOrEqual(1);
        if (ratios[name] === 0) expect(counts[name]).toBe(0);
      }
    }
  });
});

describe('ratio validation', () => {
  it.each([
    [{ train: 0.8, val: 0.1, test: 0.2 }, /sum to 1/],
    [{ train: 0.9, val: 0.2, test: -0.1 }, /"test" must be a non-negative number/],
    [{ train: Number.NaN, val: 0.5, test: 0.5 }, /"train" must be a non-negative number/],
  ])('%o throws', (ratios, message) => {
    expect(() => splitByGroup(makePairs(4), ratios, 1)).toThrow(message);
  });

  it('accepts float sums within 1e-6 of 1', () => {
    expect(() => splitCounts(10, { train: 0.7, val: 0.2, test: 0.1 })).not.toThrow();
  });

  it('rejects a non-finite seed', () => {
    expect(() => splitByGroup(makePairs(4), RATIOS, Number.POSITIVE_INFINITY)).toThrow(/seed/);
  });
});

describe('splitByGroup', () => {
  it('splits 32 cars x 16 angles into 26/3/3 cars (416/48/48 pairs)', () => {
    const split = splitByGroup(makePairs(32), RATIOS, 1);
    expect([split.groups.train.length, split.groups.val.length, split.groups.test.length]).toEqual([26, 3, 3]);
    expect([split.train.length, split.val.length, split.test.length]).toEqual([416, 48, 48]);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const pairs = makePairs(32);
    const a = splitByGroup(pairs, RATIOS, 7);
    const b = splitByGroup(pairs, RATIOS, 7);
    const c = splitByGroup(pairs, RATIOS, 8);
    expect(a).toEqual(b);
    expect(c.groups).not.toEqual(a.groups);
  });

  it('keeps groups disjoint and covers every pair exactly once, over many seeds and sizes', () => {
    for (const n of [1, 2, 3, 4, 7, 10, 33]) {
      const pairs = makePairs(n, 3);
      for (let seed = 0; seed < 25; seed++) {
        const split: Split = splitByGroup(pairs, RATIOS, seed);
        const [train, val, test] = [groupsOf(split.train), groupsOf(split.val), groupsOf(split.test)];
        for (const g of val) expect(train.has(g) || test.has(g)).toBe(false);
        for (const g of test) expect(train.has(g)).toBe(false);
        expect(split.train.length + split.val.length + split.test.length).toBe(pairs.length);
        expect(new Set([...split.train, ...split.val, ...split.test].map((p) => p.image)).size).toBe(pairs.length);
        expect([...train].sort()).toEqual(split.groups.train);
      }
    }
  });

  it('does not depend on the order of the input pairs', () => {
    const pairs = makePairs(20, 4);
    const reference = splitByGroup(pairs, RATIOS, 3);
    for (let s = 0; s < 5; s++) {
      const permuted = shuffleInPlace([...pairs], createRng(100 + s));
      expect(splitByGroup(permuted, RATIOS, 3)).toEqual(reference);
    }
  });

  it('puts each group in val with about the val ratio over many seeds (10 groups, 1000 seeds)', () => {
    const pairs = makePairs(10, 1);
    const valCount = new Map<string, number>();
    for (let seed = 0; seed < 1000; seed++) {
      for (const g of splitByGroup(pairs, RATIOS, seed).groups.val) valCount.set(g, (valCount.get(g) ?? 0) + 1);
    }
    // Each group is in val with p = 1/10: expected 100, sd ~ 9.5, so +-45 is ~4.7 sd.
    expect(valCount.size).toBe(10);
    for (const count of valCount.values()) expect(Math.abs(count - 100)).toBeLessThan(45);
  });

  it('returns empty splits for no pairs', () => {
    expect(splitByGroup([], RATIOS, 1)).toEqual({ train: [], val: [], test: [], groups: { train: [], val: [], test: [] } });
  });
});
