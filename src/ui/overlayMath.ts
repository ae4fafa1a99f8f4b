/**
 * Pixel maths for the overlay and test panels: thresholding, confusion counts, Dice/IoU and RGBA
 * renderings. Pure (no React, DOM or tfjs), so the page bundle stays free of tfjs and every rule is
 * unit-tested with hand-made arrays.
 */

/** RGBA bytes ready for `new ImageData(rgba, width, height)`. */
export type Rgba = Uint8ClampedArray<ArrayBuffer>;

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Car where p > threshold * 255: the same strict rule as the worker's sigmoid(logit) > threshold. */
export function thresholdMask(probabilities: ArrayLike<number>, threshold: number): Uint8Array {
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`Threshold ${threshold} must be between 0 and 1.`);
  const cut = threshold * 255;
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < out.length; i++) out[i] = probabilities[i] > cut ? 1 : 0;
  return out;
}

/** Pixel counts of a 0/1 prediction against a 0/1 mask (any non-zero byte counts as 1). */
export function confusion(pred: ArrayLike<number>, truth: ArrayLike<number>): Counts {
  if (pred.length !== truth.length) throw new Error(`Prediction has ${pred.length} pixels but the mask has ${truth.length}.`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return { tp, fp, fn, tn: pred.length - tp - fp - fn };
}

// Same empty-mask rule as ml/metrics.ts (not imported: it pulls in tfjs): a 0/0 ratio scores 1
// when prediction and mask are both empty (nothing to find, nothing found), else 0.
function ratio(numerator: number, denominator: number, counts: Counts): number {
  if (denominator === 0) return counts.tp + counts.fp + counts.fn === 0 ? 1 : 0;
  return numerator / denominator;
}

export function diceOf(counts: Counts): number {
  return ratio(2 * counts.tp, 2 * counts.tp + counts.fp + counts.fn, counts);
}

export function iouOf(counts: Counts): number {
  return ratio(counts.tp, counts.tp + counts.fp + counts.fn, counts);
}

/** Photo bytes (3 a pixel) to opaque RGBA. */
export function renderPhoto(rgb: ArrayLike<number>, width: number, height: number): Rgba {
  const pixels = width * height;
  if (rgb.length !== pixels * 3) throw new Error(`A ${width}x${height} photo needs ${pixels * 3} bytes, got ${rgb.length}.`);
  const out = new Uint8ClampedArray(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    out[i * 4] = rgb[i * 3];
    out[i * 4 + 1] = rgb[i * 3 + 1];
    out[i * 4 + 2] = rgb[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A 0/1 mask as white car on black. */
export function renderMask(mask01: ArrayLike<number>): Rgba {
  const out = new Uint8ClampedArray(mask01.length * 4);
  for (let i = 0; i < mask01.length; i++) {
    const v = mask01[i] !== 0 ? 255 : 0;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

// Viridis stops (perceptually uniform, readable in greyscale and by colour-blind viewers).
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** 256 RGB entries interpolated between the stops, built once. */
export const VIRIDIS_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const segments = VIRIDIS.length - 1;
  for (let v = 0; v < 256; v++) {
    const x = (v / 255) * segments;
    const k = Math.min(segments - 1, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[v * 3 + c] = Math.round(VIRIDIS[k][c] * (1 - f) + VIRIDIS[k + 1][c] * f);
  }
  return lut;
})();

/** Probabilities (0-255) through the viridis map: dark purple = background, yellow = car. */
export function renderProbability(probabilities: ArrayLike<number>): Rgba {
  const out = new Uint8ClampedArray(probabilities.length * 4);
  for (let i = 0; i < probabilities.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(probabilities[i])));
    out[i * 4] = VIRIDIS_LUT[v * 3];
    out[i * 4 + 1] = VIRIDIS_LUT[v * 3 + 1];
    out[i * 4 + 2] = VIRIDIS_LUT[v * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

export const TINT: readonly [number, number, number] = [14, 165, 233];

/** The photo with predicted car pixels blended towards a tint; opacity 0 shows the bare photo. */
export function renderOverlay(rgb: ArrayLike<number>, pred: ArrayLike<number>, opacity: number): Rgba {
  const a = Math.max(0, Math.min(1, opacity));
  if (rgb.length !== pred.length * 3) throw new Error(`Photo has ${rgb.length / 3} pixels but the prediction has ${pred.length}.`);
  const out = new Uint8ClampedArray(pred.length * 4);
  for (let i = 0; i < pred.length; i++) {
    const w = pred[i] !== 0 ? a : 0;
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(rgb[i * 3 + c] * (1 - w) + TINT[c] * w);
    out[i * 4 + 3] = 255;
  }
  return out;
}

// Okabe-Ito colours, told apart under the common colour-vision deficiencies.
export const ERROR_COLOURS = {
  tp: [0, 158, 115] as const, // bluish green: found car
  fp: [204, 51, 170] as const, // magenta: background called car
  fn: [230, 159, 0] as const, // orange: car missed
};
/** Background photo brightness, dimmed so the colours read. */
export const DIM = 0.35;
// True positives are half-blended so the photo stays visible where the model is right.
const TP_ALPHA = 0.5;

/** Errors over a dimmed photo: TP green (half-blended), FP magenta, FN orange, TN the dimmed photo. */
export function renderErrorMap(rgb: ArrayLike<number>, pred: ArrayLike<number>, truth: ArrayLike<number>): Rgba {
  if (pred.length !== truth.length) throw new Error(`Prediction has ${pred.length} pixels but the mask has ${truth.length}.`);
  if (rgb.length !== pred.length * 3) throw new Error(`Photo has ${rgb.length / 3} pixels but the prediction has ${pred.length}.`);
  const out = new Uint8ClampedArray(pred.length * 4);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    const colour = p && t ? ERROR_COLOURS.tp : p ? ERROR_COLOURS.fp : t ? ERROR_COLOURS.fn : null;
    const w = p && t ? TP_ALPHA : colour ? 1 : 0;
    for (let c = 0; c < 3; c++) {
      const dimmed = rgb[i * 3 + c] * DIM;
      out[i * 4 + c] = Math.round(colour ? dimmed * (1 - w) + colour[c] * w : dimmed);
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A stable DOM id for an image's overlay card, so the test table can scroll to it. */
export function cardId(name: string): string {
  return `overlay-card-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export type SortKey = 'name' | 'dice' | 'iou' | 'precision' | 'recall' | 'accuracy';
export type SortDirection = 'ascending' | 'descending';

/** A sorted copy; ties keep their input order, and NaN sorts last either way so it never hides the worst. */
export function sortRows<T extends Record<SortKey, string | number>>(rows: readonly T[], key: SortKey, direction: SortDirection): T[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row[key];
      const y = b.row[key];
      if (typeof x === 'number' && typeof y === 'number') {
        if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? a.index - b.index : Number.isNaN(x) ? 1 : -1;
        if (x !== y) return (x - y) * sign;
      } else {
        const order = String(x).localeCompare(String(y), undefined, { numeric: true });
        if (order !== 0) return order * sign;
      }
      return a.index - b.index;
    })
    .map(({ row }) => row);
}

/** Three decimals, or an em dash for a figure that does not exist. */
export function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '—';
}
