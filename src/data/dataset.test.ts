import { describe, expect, it } from 'vitest';
import { emptyPixelSet, maskCoverageOf, pixelSetBytes, subset } from './dataset';

describe('PixelSet helpers', () => {
  it('counts 4 bytes a pixel: 5,088 pairs at 128x192 are 500,170,752 bytes', () => {
    expect(pixelSetBytes(5088, 128, 192)).toBe(5088 * 128 * 192 * 4);
    expect(pixelSetBytes(5088, 128, 192)).toBe(500_170_752);
    const set = emptyPixelSet(3, 2, 5);
    expect(set.images.length + set.masks.length).toBe(pixelSetBytes(3, 2, 5));
  });

  it('gives each mask its own coverage, and subset keeps pairs with their masks', () => {
    const set = emptyPixelSet(3, 2, 2);
    set.masks.set([1, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 1, 1, 1, 0]);
    set.names.splice(0, 3, 'a', 'b', 'c');
    expect([0, 1, 2].map((i) => maskCoverageOf(set, i))).toEqual([0.25, 0, 0.75]);
    const picked = subset(set, [2, 0]);
    expect(picked.names).toEqual(['c', 'a']);
    expect([0, 1].map((i) => maskCoverageOf(picked, i))).toEqual([0.75, 0.25]);
  });
});
