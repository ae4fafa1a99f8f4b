import { describe, expect, it } from 'vitest';
import { carFraction, checksum, cutout, maskOf } from './cutout';

describe('cutout', () => {
  it('keeps the colour and sets alpha from the thresholded probability', () => {
    const rgba = new Uint8ClampedArray([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]);
    const probabilities = new Uint8Array([255, 128, 127]); // 1.0, 0.502, 0.498
    expect(Array.from(cutout(rgba, probabilities, 0.5))).toEqual([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 0]);
    expect(Array.from(cutout(rgba, probabilities, 0.9))).toEqual([10, 20, 30, 255, 40, 50, 60, 0, 70, 80, 90, 0]);
    expect(carFraction(probabilities, 0.5)).toBeCloseTo(2 / 3, 12);
  });

  it("gives the mask that is the cut-out's alpha, pixel for pixel", () => {
    const probabilities = new Uint8Array([0, 127, 128, 200, 255, 64]);
    const rgba = new Uint8ClampedArray(probabilities.length * 4).fill(9);
    for (const threshold of [0.25, 0.5, 0.9]) {
      const alpha = cutout(rgba, probabilities, threshold).filter((_, i) => i % 4 === 3);
      expect(Array.from(maskOf(probabilities, threshold))).toEqual(Array.from(alpha));
    }
    expect(Array.from(maskOf(probabilities, 0.5))).toEqual([0, 0, 255, 255, 255, 0]);
  });

  it('refuses a map of the wrong size', () => {
    expect(() => cutout(new Uint8ClampedArray(8), new Uint8Array(3), 0.5)).toThrow(/3 probabilities for 2 pixels/);
  });

  it('fingerprints bytes (FNV-1a: "" -> 811c9dc5, "a" -> e40c292c)', () => {
    expect(checksum(new Uint8Array())).toBe('811c9dc5');
    expect(checksum(new Uint8Array([97]))).toBe('e40c292c');
    expect(checksum(new Uint8Array([1, 2]))).not.toBe(checksum(new Uint8Array([2, 1])));
  });
});
