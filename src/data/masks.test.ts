import { describe, expect, it } from 'vitest';
import { binariseMask, EMPTY_MASK_NOTE, LABEL_MASK_NOTE } from './masks';

/** RGBA bytes from [r, g, b, a] pixels, as getImageData returns them. */
const rgba = (...pixels: Array<[number, number, number, number]>) => new Uint8ClampedArray(pixels.flat());
const grey = (...values: number[]) => rgba(...values.map((v): [number, number, number, number] => [v, v, v, 255]));
const bits = (reading: { mask: Uint8Array }) => [...reading.mask];

describe('binariseMask', () => {
  it('reads a grey mask: car where value > 127', () => {
    const reading = binariseMask(grey(0, 255, 200, 30, 255, 0), 6);
    expect(bits(reading)).toEqual([0, 1, 1, 0, 1, 0]);
    expect(reading.carPixels).toBe(3);
    expect(reading.coverage).toBeCloseTo(0.5, 12);
    expect(reading.note).toBeNull();
  });

  it('splits exactly at the boundary: 127 is background, 128 is car', () => {
    expect(bits(binariseMask(grey(127, 128, 126, 129), 4))).toEqual([0, 1, 0, 1]);
  });

  it('reads white-on-black RGB and a mask drawn in one colour channel', () => {
    const reading = binariseMask(rgba([255, 255, 255, 255], [0, 0, 0, 255], [200, 0, 0, 255], [0, 0, 140, 255], [100, 120, 90, 255]), 5);
    expect(bits(reading)).toEqual([1, 0, 1, 1, 0]);
    expect(reading.coverage).toBeCloseTo(3 / 5, 12);
  });

  it('reads a mask with transparency by its alpha: transparent is background whatever its colour', () => {
    const reading = binariseMask(rgba([255, 255, 255, 255], [255, 255, 255, 0], [0, 0, 0, 0], [255, 255, 255, 128], [255, 255, 255, 127]), 5);
    // Alpha 128 > 127 is car; 127 is not.
    expect(bits(reading)).toEqual([1, 0, 0, 1, 0]);
    expect(reading.note).toBeNull();
  });

  it('reads a cut-out (the car in its own colours, dark ones too, on transparent white) as car where opaque', () => {
    // A black tyre, a dark-blue door and a light roof, opaque; the studio background transparent white.
    const cutout = rgba([10, 10, 10, 255], [20, 30, 90, 255], [230, 230, 240, 255], [255, 255, 255, 0], [255, 255, 255, 0], [0, 0, 0, 0]);
    const reading = binariseMask(cutout, 6);
    expect(bits(reading)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(reading.coverage).toBeCloseTo(3 / 6, 12);
  });

  it('reads an RGBA mask saved fully opaque by its value, as grey', () => {
    // White-on-black with alpha 255 everywhere, and one with alpha 200 (more than half opaque) everywhere.
    expect(bits(binariseMask(rgba([255, 255, 255, 255], [0, 0, 0, 255], [200, 200, 200, 255], [100, 100, 100, 255]), 4))).toEqual([1, 0, 1, 0]);
    expect(bits(binariseMask(rgba([255, 255, 255, 200], [0, 0, 0, 200], [128, 128, 128, 200], [127, 127, 127, 200]), 4))).toEqual([1, 0, 1, 0]);
  });

  it('switches to alpha as soon as one pixel is at most half opaque', () => {
    // The same opaque black pixel is background in value mode and car in alpha mode.
    expect(bits(binariseMask(rgba([0, 0, 0, 255], [255, 255, 255, 128]), 2))).toEqual([0, 1]);
    expect(bits(binariseMask(rgba([0, 0, 0, 255], [255, 255, 255, 127]), 2))).toEqual([1, 0]);
  });

  it('never takes a transparent mask for 0/1 labels', () => {
    const reading = binariseMask(rgba([1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]), 3);
    expect(bits(reading)).toEqual([0, 0, 0]);
    expect(reading.note).toBe(EMPTY_MASK_NOTE);
  });

  it('reads a 0/1 label mask as 1 = car, and says so', () => {
    const reading = binariseMask(grey(0, 1, 1, 0, 0, 0, 1, 0), 8);
    expect(bits(reading)).toEqual([0, 1, 1, 0, 0, 0, 1, 0]);
    expect(reading.carPixels).toBe(3);
    expect(reading.note).toBe(LABEL_MASK_NOTE);
    expect(LABEL_MASK_NOTE).toBe('mask stores 0/1 labels; read 1 as car');
  });

  it('does not take a mask whose largest value is 2 for a label mask', () => {
    const reading = binariseMask(grey(0, 1, 2), 3);
    expect(bits(reading)).toEqual([0, 0, 0]);
    expect(reading.note).toBe(EMPTY_MASK_NOTE);
  });

  it('reports an all-zero mask as empty', () => {
    const reading = binariseMask(new Uint8Array(4 * 10), 10);
    expect(bits(reading)).toEqual(new Array<number>(10).fill(0));
    expect(reading).toMatchObject({ carPixels: 0, coverage: 0, note: 'mask is empty (no car pixels)' });
  });

  it('reports a mask of faint values (all <= 127) as empty', () => {
    expect(binariseMask(grey(50, 127, 90), 3)).toMatchObject({ carPixels: 0, note: EMPTY_MASK_NOTE });
  });

  it('reads a full mask with coverage 1', () => {
    expect(binariseMask(grey(255, 255, 255, 255), 4)).toMatchObject({ carPixels: 4, coverage: 1, note: null });
  });

  it('reads only the first `pixels` pixels of a longer buffer', () => {
    const reading = binariseMask(grey(255, 0, 255, 255), 2);
    expect(bits(reading)).toEqual([1, 0]);
    expect(reading.coverage).toBe(0.5);
  });

  it('handles a 0-pixel mask without dividing by zero', () => {
    expect(binariseMask(new Uint8Array(0), 0)).toMatchObject({ carPixels: 0, coverage: 0, note: EMPTY_MASK_NOTE });
  });

  it('refuses a buffer shorter than the pixel count says', () => {
    expect(() => binariseMask(new Uint8Array(7), 2)).toThrow('mask has 7 bytes, expected 2 RGBA pixels = 8');
    expect(() => binariseMask(new Uint8Array(8), 1.5)).toThrow('pixels must be a whole number');
  });
});
