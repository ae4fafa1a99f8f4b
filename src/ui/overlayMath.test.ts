import { describe, expect, it } from 'vitest';
import {
  DIM,
  ERROR_COLOURS,
  TINT,
  VIRIDIS_LUT,
  cardId,
  confusion,
  diceOf,
  formatScore,
  iouOf,
  renderErrorMap,
  renderMask,
  renderOverlay,
  renderPhoto,
  renderProbability,
  sortRows,
  thresholdMask,
} from './overlayMath';

/** RGBA of pixel i as a plain array, for readable expectations. */
function px(rgba: Uint8ClampedArray, i: number): number[] {
  return Array.from(rgba.subarray(i * 4, i * 4 + 4));
}

describe('thresholdMask', () => {
  it('marks car strictly above threshold * 255', () => {
    // 0.5 * 255 = 127.5: 127 is background, 128 is car.
    expect(Array.from(thresholdMask(new Uint8Array([0, 127, 128, 255]), 0.5))).toEqual([0, 0, 1, 1]);
  });

  it('is strict at an exact boundary', () => {
    // 0.2 * 255 = 51 exactly: 51 is not above it.
    expect(Array.from(thresholdMask(new Uint8Array([50, 51, 52]), 0.2))).toEqual([0, 0, 1]);
  });

  it('moves with the threshold', () => {
    const p = new Uint8Array([30, 100, 200]);
    expect(Array.from(thresholdMask(p, 0.1))).toEqual([1, 1, 1]);
    expect(Array.from(thresholdMask(p, 0.9))).toEqual([0, 0, 0]);
  });

  it('refuses a threshold outside [0, 1]', () => {
    expect(() => thresholdMask(new Uint8Array(1), 1.5)).toThrow(/between 0 and 1/);
    expect(() => thresholdMask(new Uint8Array(1), Number.NaN)).toThrow(/between 0 and 1/);
  });
});

describe('confusion', () => {
  it('counts each kind of pixel', () => {
    const pred = [1, 1, 0, 0, 1, 0];
    const truth = [1, 0, 1, 0, 1, 0];
    expect(confusion(pred, truth)).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2 });
  });

  it('treats any non-zero byte as positive', () => {
    expect(confusion([255], [7])).toEqual({ tp: 1, fp: 0, fn: 0, tn: 0 });
  });

  it('refuses arrays of different sizes', () => {
    expect(() => confusion([1, 0], [1])).toThrow(/2 pixels but the mask has 1/);
  });
});

describe('diceOf and iouOf', () => {
  it('match hand values', () => {
    // tp 2, fp 1, fn 1: Dice = 4 / 6, IoU = 2 / 4.
    const counts = { tp: 2, fp: 1, fn: 1, tn: 2 };
    expect(diceOf(counts)).toBeCloseTo(2 / 3, 12);
    expect(iouOf(counts)).toBeCloseTo(0.5, 12);
  });

  it('are 1 for a perfect prediction and 0 for a disjoint one', () => {
    expect(diceOf({ tp: 5, fp: 0, fn: 0, tn: 3 })).toBe(1);
    expect(iouOf({ tp: 5, fp: 0, fn: 0, tn: 3 })).toBe(1);
    expect(diceOf({ tp: 0, fp: 2, fn: 3, tn: 3 })).toBe(0);
    expect(iouOf({ tp: 0, fp: 2, fn: 3, tn: 3 })).toBe(0);
  });

  it('score an empty prediction on an empty mask as 1 (the empty-mask rule)', () => {
    const empty = { tp: 0, fp: 0, fn: 0, tn: 24 };
    expect(diceOf(empty)).toBe(1);
    expect(iouOf(empty)).toBe(1);
  });

  it('score an empty prediction on a non-empty mask as 0', () => {
    expect(diceOf({ tp: 0, fp: 0, fn: 4, tn: 20 })).toBe(0);
    expect(iouOf({ tp: 0, fp: 0, fn: 4, tn: 20 })).toBe(0);
  });

  it('agree with Dice = 2 IoU / (1 + IoU)', () => {
    const counts = { tp: 37, fp: 5, fn: 11, tn: 100 };
    const iou = iouOf(counts);
    expect(diceOf(counts)).toBeCloseTo((2 * iou) / (1 + iou), 12);
  });
});

describe('renderers', () => {
  it('renderPhoto copies RGB and makes it opaque', () => {
    const rgba = renderPhoto(new Uint8Array([10, 20, 30, 40, 50, 60]), 2, 1);
    expect(rgba).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(rgba)).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
  });

  it('renderPhoto refuses a buffer of the wrong size', () => {
    expect(() => renderPhoto(new Uint8Array(5), 2, 1)).toThrow(/needs 6 bytes, got 5/);
  });

  it('renderMask draws car white and background black', () => {
    expect(Array.from(renderMask(new Uint8Array([1, 0])))).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('renderProbability runs from viridis purple to yellow, brighter as p rises', () => {
    const rgba = renderProbability(new Uint8Array([0, 128, 255]));
    expect(px(rgba, 0)).toEqual([68, 1, 84, 255]);
    expect(px(rgba, 2)).toEqual([253, 231, 37, 255]);
    const luma = (v: number) => 0.2126 * VIRIDIS_LUT[v * 3] + 0.7152 * VIRIDIS_LUT[v * 3 + 1] + 0.0722 * VIRIDIS_LUT[v * 3 + 2];
    for (let v = 1; v < 256; v++) expect(luma(v)).toBeGreaterThanOrEqual(luma(v - 1) - 1); // 1 = rounding of the 8-bit table
  });

  it('renderOverlay tints only predicted pixels, by the opacity', () => {
    const rgb = new Uint8Array([100, 100, 100, 100, 100, 100]);
    const pred = new Uint8Array([1, 0]);
    const half = renderOverlay(rgb, pred, 0.5);
    expect(px(half, 0)).toEqual([Math.round(50 + TINT[0] / 2), Math.round(50 + TINT[1] / 2), Math.round(50 + TINT[2] / 2), 255]);
    expect(px(half, 1)).toEqual([100, 100, 100, 255]);
    expect(px(renderOverlay(rgb, pred, 0), 0)).toEqual([100, 100, 100, 255]);
    expect(px(renderOverlay(rgb, pred, 1), 0)).toEqual([...TINT, 255]);
    // Out-of-range opacity is clamped, not extrapolated.
    expect(px(renderOverlay(rgb, pred, 3), 0)).toEqual([...TINT, 255]);
  });

  it('renderErrorMap colours TP, FP, FN and dims TN', () => {
    const rgb = new Uint8Array(12).fill(200);
    const pred = new Uint8Array([1, 1, 0, 0]);
    const truth = new Uint8Array([1, 0, 1, 0]);
    const rgba = renderErrorMap(rgb, pred, truth);
    const dim = 200 * DIM;
    expect(px(rgba, 0)).toEqual([...ERROR_COLOURS.tp.map((c) => Math.round(dim * 0.5 + c * 0.5)), 255]);
    expect(px(rgba, 1)).toEqual([...ERROR_COLOURS.fp, 255]);
    expect(px(rgba, 2)).toEqual([...ERROR_COLOURS.fn, 255]);
    expect(px(rgba, 3)).toEqual([70, 70, 70, 255]);
  });

  it('renderErrorMap keeps the three error colours distinct', () => {
    const keys = [ERROR_COLOURS.tp, ERROR_COLOURS.fp, ERROR_COLOURS.fn].map((c) => c.join(','));
    expect(new Set(keys).size).toBe(3);
  });

  it('renderErrorMap refuses mismatched sizes', () => {
    expect(() => renderErrorMap(new Uint8Array(6), new Uint8Array(2), new Uint8Array(3))).toThrow(/mask has 3/);
    expect(() => renderErrorMap(new Uint8Array(3), new Uint8Array(2), new Uint8Array(2))).toThrow(/prediction has 2/);
  });
});

describe('table helpers', () => {
  const rows = [
    { name: 'b_02', dice: 0.9, iou: 0.8, precision: 1, recall: 0.8, accuracy: 0.99 },
    { name: 'a_10', dice: 0.5, iou: 0.3, precision: 0.6, recall: 0.4, accuracy: 0.9 },
    { name: 'a_2', dice: Number.NaN, iou: 0.1, precision: 0.2, recall: 0.3, accuracy: 0.8 },
    { name: 'c_01', dice: 0.5, iou: 0.4, precision: 0.7, recall: 0.5, accuracy: 0.95 },
  ];

  it('sorts worst Dice first, ties stable, NaN last', () => {
    expect(sortRows(rows, 'dice', 'ascending').map((r) => r.name)).toEqual(['a_10', 'c_01', 'b_02', 'a_2']);
    expect(sortRows(rows, 'dice', 'descending').map((r) => r.name)).toEqual(['b_02', 'a_10', 'c_01', 'a_2']);
  });

  it('sorts names naturally and does not mutate its input', () => {
    const before = rows.map((r) => r.name);
    expect(sortRows(rows, 'name', 'ascending').map((r) => r.name)).toEqual(['a_2', 'a_10', 'b_02', 'c_01']);
    expect(rows.map((r) => r.name)).toEqual(before);
  });

  it('cardId makes a safe, stable DOM id', () => {
    expect(cardId('0cdf5b5d0ce1_01')).toBe('overlay-card-0cdf5b5d0ce1_01');
    expect(cardId('my car #2.jpg')).toBe('overlay-card-my_car__2_jpg');
  });

  it('formatScore shows three decimals or a dash', () => {
    expect(formatScore(0.91234)).toBe('0.912');
    expect(formatScore(Number.NaN)).toBe('—');
  });
});
