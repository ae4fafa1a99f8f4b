import { describe, expect, it } from 'vitest';
import { ALPHA_RAMP, carFraction, checksum, cutout, maskOf } from './cutout';

describe('cutout', () => {
  it('keeps the colour and ramps alpha up over ALPHA_RAMP above the threshold', () => {
    expect(ALPHA_RAMP).toBe(0.25);
    const rgba = new Uint8ClampedArray([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 1, 2, 3, 255, 4, 5, 6, 255]);
    const probabilities = new Uint8Array([255, 128, 127, 191, 192]);
    // Threshold 0.5 = 127.5 levels; alpha = ceil((p - 127.5) / 0.25), within 1..255 above it:
    // 255 -> 510 -> 255; 128 -> 2; 127 -> 0 (not car); 191 -> 254; 192 -> 258 -> 255.
    expect(Array.from(cutout(rgba, probabilities, 0.5))).toEqual([10, 20, 30, 255, 40, 50, 60, 2, 70, 80, 90, 0, 1, 2, 3, 254, 4, 5, 6, 255]);
    // Threshold 0.9 = 229.5 levels: 255 -> ceil(25.5 * 4) = 102, the rest below it.
    expect(Array.from(cutout(rgba, probabilities, 0.9))).toEqual([10, 20, 30, 102, 40, 50, 60, 0, 70, 80, 90, 0, 1, 2, 3, 0, 4, 5, 6, 0]);
    expect(carFraction(probabilities, 0.5)).toBeCloseTo(4 / 5, 12);
  });

  it("gives the mask that is where the cut-out's alpha is above 0, pixel for pixel", () => {
    const probabilities = new Uint8Array([0, 127, 128, 200, 255, 64]);
    const rgba = new Uint8ClampedArray(probabilities.length * 4).fill(9);
    for (const threshold of [0.25, 0.5, 0.9]) {
      const alpha = cutout(rgba, probabilities, threshold).filter((_, i) => i % 4 === 3);
      expect(Array.from(maskOf(probabilities, threshold))).toEqual(Array.from(alpha, (a) => (a > 0 ? 255 : 0)));
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
