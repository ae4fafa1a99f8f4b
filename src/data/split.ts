/** Train/val/test split by group, so the 16 views of one car never land in two splits. */
import type { Pair } from './pairing';
import { createRng, shuffleInPlace } from './random';

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export interface Split {
  train: Pair[];
  val: Pair[];
  test: Pair[];
  /** Group ids in each split, sorted. */
  groups: { train: string[]; val: string[]; test: string[] };
}

export const DEFAULT_SPLIT_RATIOS: SplitRatios = { train: 0.8, val: 0.1, test: 0.1 };

function validateRatios(ratios: SplitRatios): void {
  for (const name of ['train', 'val', 'test'] as const) {
    const value = ratios[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`split ratio "${name}" must be a non-negative number, got ${value}`);
    }
  }
  const sum = ratios.train + ratios.val + ratios.test;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new Error(`split ratios must sum to 1, got ${ratios.train} + ${ratios.val} + ${ratios.test} = ${sum}`);
  }
}

/**
 * How many groups go to val and test out of n: nVal = round(n * val), nTest = round(n * test), train
 * gets the rest. When n >= 3, every split whose ratio is > 0 gets at least one group (taken from the
 * largest other split). Example: 32 groups at 80/10/10 -> 26/3/3; 5 groups -> 3/1/1.
 */
export function splitCounts(n: number, ratios: SplitRatios): { train: number; val: number; test: number } {
  validateRatios(ratios);
  let val = Math.round(n * ratios.val);
  let test = Math.round(n * ratios.test);
  // Two halves can both round up (n = 3 at 0/.5/.5): give the excess back from test.
  if (val + test > n) test = n - val;
  if (n >= 3) {
    if (ratios.val > 0 && val === 0) val = 1;
    if (ratios.test > 0 && test === 0) test = 1;
    const trainNeeds = ratios.train > 0 ? 1 : 0;
    // Each raise above came from train; if train ran dry, take back from the bigger of val and test.
    while (n - val - test < trainNeeds) {
      if (val >= test) val--;
      else test--;
    }
  }
  return { train: n - val - test, val, test };
}

function byStemThenImage(a: Pair, b: Pair): number {
  if (a.stem !== b.stem) return a.stem < b.stem ? -1 : 1;
  return a.image < b.image ? -1 : a.image > b.image ? 1 : 0;
}

/**
 * Splits pairs by `pair.group`: the sorted unique group ids are shuffled with the seeded rng, the
 * first `val` of them go to val, the next `test` to test and the rest to train (counts from
 * `splitCounts`). Same pairs and seed give the same split whatever the input order.
 */
export function splitByGroup(pairs: Pair[], ratios: SplitRatios = DEFAULT_SPLIT_RATIOS, seed = 1): Split {
  if (!Number.isFinite(seed)) throw new Error(`split seed must be a finite number, got ${seed}`);
  const groups = [...new Set(pairs.map((p) => p.group))].sort();
  const counts = splitCounts(groups.length, ratios);
  shuffleInPlace(groups, createRng(seed));

  const val = groups.slice(0, counts.val);
  const test = groups.slice(counts.val, counts.val + counts.test);
  const train = groups.slice(counts.val + counts.test);
  const splitOf = new Map<string, 'train' | 'val' | 'test'>();
  for (const g of train) splitOf.set(g, 'train');
  for (const g of val) splitOf.set(g, 'val');
  for (const g of test) splitOf.set(g, 'test');

  const result: Split = { train: [], val: [], test: [], groups: { train: train.sort(), val: val.sort(), test: test.sort() } };
  for (const pair of [...pairs].sort(byStemThenImage)) result[splitOf.get(pair.group)!].push(pair);
  return result;
}
