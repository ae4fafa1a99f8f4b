import { describe, expect, it } from 'vitest';
import { boxMeans, guidedFilterColour, guidedFilterGrey } from './guidedFilter';

/** A seeded uniform generator (mulberry32), so the property checks see the same numbers every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows repeated: a 1-D profile as a width x height image. */
const rows = (profile: number[], height: number) => Array.from({ length: height }, () => profile).flat();

describe('boxMeans', () => {
  it('is the mean over the clipped window, as a direct sum gives', () => {
    const [width, height, radius] = [7, 5, 2];
    const next = random(1);
    const values = Array.from({ length: width * height }, next);
    const fast = boxMeans(width, height, radius)(values);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let [sum, count] = [0, 0];
        for (let v = Math.max(0, y - radius); v <= Math.min(height - 1, y + radius); v++) {
          for (let u = Math.max(0, x - radius); u <= Math.min(width - 1, x + radius); u++) {
            sum += values[v * width + u]!;
            count++;
          }
        }
        expect(Math.abs(fast[y * width + x]! - sum / count)).toBeLessThan(1e-6);
      }
    }
  });

  it('refuses a map of the wrong size and a fractional radius', () => {
    expect(() => boxMeans(3, 2, 1)([1, 2, 3])).toThrow(/3 values for 3x2 = 6 pixels/);
    expect(() => boxMeans(3, 2, 1.5)).toThrow(/radius 1.5/);
  });
});

describe('guidedFilterGrey', () => {
  it('matches a case computed by hand (4x3, identical rows, radius 1, eps 1/9)', () => {
    // Guide I = [0, 0, 1, 1], input p = [0, 1, 1, 1] on every row. Every window spans all 3 rows,
    // so each is the 1-D window of columns k-1..k+1 (clipped), and the means are the 1-D ones:
    //   k=0 {0,1}:   mean I 0, var 0                       -> a0 = 0, b0 = mean p = 1/2
    //   k=1 {0,1,2}: mean I 1/3, var 1/3 - 1/9 = 2/9; mean p 2/3, cov = 1/3 - (1/3)(2/3) = 1/9
    //                -> a1 = (1/9) / (2/9 + 1/9) = 1/3, b1 = 2/3 - (1/3)(1/3) = 5/9
    //   k=2 {1,2,3}: mean p 1, cov 0                       -> a2 = 0, b2 = 1
    //   k=3 {2,3}:   var 0, mean p 1                        -> a3 = 0, b3 = 1
    // q_i = mean(a over windows holding i) * I_i + mean(b over them):
    //   q0 = (0 + 1/3)/2 * 0 + (1/2 + 5/9)/2         = 19/36
    //   q1 = (0 + 1/3 + 0)/3 * 0 + (1/2 + 5/9 + 1)/3 = 37/54
    //   q2 = (1/3 + 0 + 0)/3 * 1 + (5/9 + 1 + 1)/3   = 1/9 + 23/27 = 26/27
    //   q3 = 0 * 1 + (1 + 1)/2                         = 1
    const q = guidedFilterGrey(rows([0, 0, 1, 1], 3), rows([0, 1, 1, 1], 3), 4, 3, 1, 1 / 9);
    const expected = rows([19 / 36, 37 / 54, 26 / 27, 1], 3);
    q.forEach((value, i) => expect(Math.abs(value - expected[i]!), `pixel ${i}`).toBeLessThan(1e-6));
  });

  it('with a constant guide is the input box-smoothed twice (a = 0, b = the mean of p, then averaged)', () => {
    const [width, height, radius] = [9, 6, 2];
    const next = random(2);
    const input = Array.from({ length: width * height }, next);
    const q = guidedFilterGrey(new Float32Array(width * height).fill(0.4), input, width, height, radius, 1e-3);
    const mean = boxMeans(width, height, radius);
    const twice = mean(mean(input));
    q.forEach((value, i) => expect(Math.abs(value - twice[i]!)).toBeLessThan(1e-6));
  });

  it('with the input as its own guide and eps -> 0 returns the input', () => {
    const [width, height] = [8, 7];
    const next = random(3);
    const input = Array.from({ length: width * height }, () => Math.round(next() * 4) / 4);
    const q = guidedFilterGrey(input, input, width, height, 1, 1e-9);
    q.forEach((value, i) => expect(Math.abs(value - input[i]!)).toBeLessThan(1e-4));
  });

  it('pulls a blurred edge in the input onto the step edge of the guide', () => {
    // Guide: dark left of column 20, bright from 20 on. Input: a probability ramp 16 pixels wide (two
    // model pixels of a bilinear upscale at 8x) centred 3 pixels too far right: it crosses 0.5 at 23.
    const [width, height] = [48, 4];
    const guide = rows(
      Array.from({ length: width }, (_, x) => (x < 20 ? 0.2 : 0.8)),
      height,
    );
    const input = rows(
      Array.from({ length: width }, (_, x) => Math.min(1, Math.max(0, (x + 0.5 - 23) / 16 + 0.5))),
      height,
    );
    const crossing = (map: ArrayLike<number>) => Array.from({ length: width }, (_, x) => map[x]!).findIndex((v) => v > 0.5);
    expect(crossing(input)).toBe(23);
    const q = guidedFilterGrey(guide, input, width, height, 8, 1e-3);
    expect(crossing(q)).toBe(20);
    // A sharp edge now (0.12 -> 0.58 measured): the largest one-pixel step is the guide's.
    expect(q[19]).toBeLessThan(0.2);
    expect(q[20]).toBeGreaterThan(0.5);
    const steps = Array.from({ length: width - 1 }, (_, x) => q[x + 1]! - q[x]!);
    expect(steps.indexOf(Math.max(...steps))).toBe(19);
  });

  it('refuses mismatched sizes and eps <= 0', () => {
    expect(() => guidedFilterGrey([0, 1], [0, 1, 1], 3, 1, 1, 0.1)).toThrow(/the guide has 2 values for 3x1/);
    expect(() => guidedFilterGrey([0, 1, 1], [0, 1, 1], 3, 1, 1, 0)).toThrow(/eps 0 must be above 0/);
  });
});

describe('guidedFilterColour', () => {
  it('with three equal channels is the grey filter at eps / 3 (a = cov / (3 var + eps) per channel)', () => {
    const [width, height] = [10, 8];
    const next = random(4);
    const guide = Array.from({ length: width * height }, next);
    const input = Array.from({ length: width * height }, next);
    const colour = guidedFilterColour([guide, guide, guide], input, width, height, 2, 0.03);
    const grey = guidedFilterGrey(guide, input, width, height, 2, 0.01);
    colour.forEach((value, i) => expect(Math.abs(value - grey[i]!)).toBeLessThan(1e-5));
  });

  it('follows an edge between two colours of the same brightness, which the grey guide cannot see', () => {
    const [width, height] = [40, 3];
    const left = [0.6, 0.3, 0.3];
    const right = [0.3, 0.6, 0.3];
    const planes = [0, 1, 2].map((c) =>
      rows(
        Array.from({ length: width }, (_, x) => (x < 16 ? left[c]! : right[c]!)),
        height,
      ),
    ) as [number[], number[], number[]];
    const input = rows(
      Array.from({ length: width }, (_, x) => Math.min(1, Math.max(0, (x + 0.5 - 19) / 12 + 0.5))),
      height,
    );
    const q = guidedFilterColour(planes, input, width, height, 6, 1e-4);
    const crossing = Array.from({ length: width }, (_, x) => q[x]!).findIndex((v) => v > 0.5);
    expect(crossing).toBe(16);
    // The grey guide of the same photo (the channels' mean: 0.4 on both sides) is flat: the edge stays where p put it.
    const sameGrey = rows(
      Array.from({ length: width }, () => 0.4),
      height,
    );
    const blind = guidedFilterGrey(sameGrey, input, width, height, 6, 1e-4);
    expect(Array.from({ length: width }, (_, x) => blind[x]!).findIndex((v) => v > 0.5)).toBe(19);
  });
});
