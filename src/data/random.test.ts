import { describe, expect, it } from 'vitest';
import { createRng, hashString, randomInt, randomRange, shuffleInPlace } from './random';

describe('createRng', () => {
  it('matches the reference mulberry32 sequence (values from an independent Python port)', () => {
    const rng = createRng(42);
    const expected = [0.6011037519201636, 0.44829055899754167, 0.8524657934904099];
    for (const value of expected) expect(rng()).toBeCloseTo(value, 12);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const seqA = Array.from({ length: 20 }, a);
    const seqB = Array.from({ length: 20 }, b);
    const seqC = Array.from({ length: 20 }, c);
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('stays in [0, 1) and is roughly uniform (mean 0.5 +- 0.01 over 100k draws)', () => {
    const rng = createRng(123);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });

  it('accepts negative and fractional seeds as their uint32 value', () => {
    expect(createRng(-1)()).toBe(createRng(0xffffffff)());
    expect(createRng(3.7)()).toBe(createRng(3)());
  });
});

describe('randomInt / randomRange', () => {
  it('randomInt covers [min, max] inclusive and nothing else', () => {
    const rng = createRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(rng, 2, 5));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });

  it('randomRange stays within [min, max)', () => {
    const rng = createRng(6);
    for (let i = 0; i < 1000; i++) {
      const x = randomRange(rng, -3, 2);
      expect(x).toBeGreaterThanOrEqual(-3);
      expect(x).toBeLessThan(2);
    }
  });
});

describe('shuffleInPlace', () => {
  it('returns a permutation of the input, in place', () => {
    const original = Array.from({ length: 50 }, (_, i) => i);
    const array = [...original];
    const result = shuffleInPlace(array, createRng(1));
    expect(result).toBe(array);
    expect([...result].sort((x, y) => x - y)).toEqual(original);
    expect(result).not.toEqual(original);
  });

  it('is deterministic for a seed', () => {
    const a = shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], createRng(99));
    const b = shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], createRng(99));
    expect(a).toEqual(b);
  });

  it('puts each element first about equally often (chi-square-like bound, 6000 trials)', () => {
    const rng = createRng(2024);
    const firstCounts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) firstCounts[shuffleInPlace([0, 1, 2], rng)[0]!]!++;
    // Expected 2000 each; binomial sd ~ 36.5, so +-150 is ~4 sd.
    for (const count of firstCounts) expect(Math.abs(count - 2000)).toBeLessThan(150);
  });

  it('leaves empty and single-element arrays alone', () => {
    expect(shuffleInPlace([], createRng(1))).toEqual([]);
    expect(shuffleInPlace(['x'], createRng(1))).toEqual(['x']);
  });
});

describe('hashString', () => {
  it('matches published FNV-1a 32-bit test vectors', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('returns an unsigned 32-bit integer', () => {
    const h = hashString('carvana/train/abc_01.jpg');
    expect(Number.isInteger(h)).toBe(true);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThanOrEqual(0xffffffff);
  });
});
