import { describe, expect, it } from 'vitest';
import { guidedFilterGrey } from './guidedFilter';
import { bilinearResize, guidedParameters, GUIDED_EPS, GUIDED_GUIDE, refineWithPhoto, upscaleFactor, upscaleProbabilities } from './guidedUpsample';

/** A w x h RGBA photo from a grey value per pixel. */
function photoOf(grey: (x: number, y: number) => number, width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      rgba[p] = rgba[p + 1] = rgba[p + 2] = grey(x, y);
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

describe('bilinearResize', () => {
  it('samples at pixel centres, edges clamped (2 -> 4 by hand)', () => {
    // Output centres x + 0.5 map to (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 in the input:
    // clamped to 0 -> 0; 0.25 -> 63.75; 0.75 -> 191.25; clamped to 1 -> 255.
    expect(Array.from(bilinearResize([0, 255], 2, 1, 4, 1))).toEqual([0, 63.75, 191.25, 255]);
    // Both axes: a 2x2 map to 4x4, the corner weights are products of the 1-D ones.
    const map = bilinearResize([0, 100, 200, 300], 2, 2, 4, 4);
    expect(map[0]).toBe(0);
    expect(map[1 * 4 + 1]).toBeCloseTo(0.25 * 0.25 * 300 + 0.25 * 0.75 * 100 + 0.75 * 0.25 * 200, 4);
    expect(map[15]).toBe(300);
  });

  it('at the same size is the identity, and refuses a map of the wrong length', () => {
    const values = [3, 1, 4, 1, 5, 9];
    expect(Array.from(bilinearResize(values, 3, 2, 3, 2))).toEqual(values);
    expect(() => bilinearResize([1, 2, 3], 2, 2, 4, 4)).toThrow(/3 values for 2x2/);
  });
});

describe('upscaleProbabilities', () => {
  it('scales radius with the factor; eps and guide are the measured constants', () => {
    expect(upscaleFactor(96, 64, 512, 512)).toBe(8);
    expect(upscaleFactor(192, 128, 1918, 1280)).toBeCloseTo(10, 1);
    expect(guidedParameters(8)).toEqual({ radius: 8, eps: GUIDED_EPS, guide: GUIDED_GUIDE });
    expect(guidedParameters(0.4).radius).toBe(1);
  });

  it('leaves a map at the photo size as it is (nothing finer to follow)', () => {
    const probabilities = Uint8Array.from([0, 40, 128, 255, 200, 7]);
    const photo = photoOf((x) => x * 80, 3, 2);
    for (const method of ['bilinear', 'guided'] as const)
      expect(Array.from(upscaleProbabilities(probabilities, 3, 2, photo, 3, 2, method))).toEqual(Array.from(probabilities));
  });

  it('keeps the refined map within [0, 1] where the filter itself overshoots', () => {
    // A ramp of a guide and a step of a map: each window's least-squares line through the step
    // overshoots at its ends (by hand for radius 2, p = 0 0 0 1 1 on x = -2..2: slope 0.3, mean 0.4,
    // so -0.2 at x = -2); averaged over windows the filter measures -0.039 and 1.039.
    const [width, height] = [16, 2];
    const photo = photoOf((x) => x * 16, width, height);
    const map = Float32Array.from({ length: width * height }, (_, p) => (p % width < 7 ? 0 : 1));
    const grey = Float32Array.from({ length: width * height }, (_, p) => photo[p * 4]! / 255);
    const raw = guidedFilterGrey(grey, map, width, height, 2, 1e-4);
    expect(Math.min(...raw)).toBeLessThan(-0.03);
    expect(Math.max(...raw)).toBeGreaterThan(1.03);
    const refined = refineWithPhoto(map, photo, width, height, { radius: 2, eps: 1e-4, guide: 'grey' });
    expect(Math.min(...refined)).toBe(0);
    expect(Math.max(...refined)).toBe(1);
    refined.forEach((v, i) => expect(Math.abs(v - Math.min(1, Math.max(0, raw[i]!)))).toBeLessThan(1e-6));
  });

  it("moves a low-resolution map's edge onto the photo's edge, where bilinear leaves it between model pixels", () => {
    // The photo (64 wide, 8x a 8-pixel map): a car (dark) up to column 27, studio (light) from 28.
    // The model's map says car for its columns 0-2 and background from 4; column 3 (photo columns
    // 24-31, which the edge splits 4/4) is 0.8 car (204). Bilinear, by hand: photo column x samples
    // the map at (x + 0.5) / 8 - 0.5, between map columns 3 (204) and 4 (0) from x = 28 on:
    // x = 30 -> 3.3125 -> 204 * 0.6875 = 140.25 (car), x = 31 -> 3.4375 -> 114.75: its edge is at 31,
    // 3 pixels off. The guided result's edge is at 28, the photo's.
    const [width, height, factor] = [64, 8, 8];
    const photo = photoOf((x) => (x < 28 ? 40 : 220), width, height);
    const map = Uint8Array.from([255, 255, 255, 204, 0, 0, 0, 0]);
    const crossing = (bytes: Uint8Array) => Array.from(bytes.subarray(0, width)).findIndex((v) => v <= 127);
    const bilinear = upscaleProbabilities(map, 8, 1, photo, width, height, 'bilinear');
    const guided = upscaleProbabilities(map, 8, 1, photo, width, height, 'guided');
    expect(factor).toBe(upscaleFactor(8, 1, width, height));
    expect(crossing(bilinear)).toBe(31);
    expect(bilinear[30]).toBe(140);
    expect(crossing(guided)).toBe(28);
  });
});
