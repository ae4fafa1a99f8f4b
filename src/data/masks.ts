/**
 * Turns a decoded RGBA mask (getImageData, already resized to the training size) into {0,1}.
 *
 * Rule: a pixel's value is max(R, G, B) scaled by alpha, v = max(R, G, B) * A / 255, and the pixel
 * is car if v > 127 (DESIGN.md section 4). max over channels, so a mask drawn in any colour on black
 * counts; alpha, so a mask that is "car opaque, background transparent" counts even when the
 * transparent pixels keep a colour. Special case: a label image storing classes as 0/1 (the largest v
 * over the whole mask is exactly 1) would read as all background under the rule, so there v >= 1 is
 * car and the reading says so in `note`.
 *
 * The comparison runs on max * A against 127 * 255, in integers, so there is no rounding at the edge.
 */

export interface MaskReading {
  /** 0|1, one per pixel. */
  mask: Uint8Array;
  carPixels: number;
  /** carPixels / pixels; 0 for a 0-pixel mask. */
  coverage: number;
  /** Something the user should know about how the mask was read, or null. */
  note: string | null;
}

export const LABEL_MASK_NOTE = 'mask stores 0/1 labels; read 1 as car';
export const EMPTY_MASK_NOTE = 'mask is empty (no car pixels)';

const THRESHOLD = 127 * 255; // v > 127, with v = max * A / 255
const LABEL_ONE = 255; // v == 1 at full alpha

/** Reads `pixels` RGBA pixels from `rgba` into a {0,1} mask, by the rule in the module comment. */
export function binariseMask(rgba: Uint8ClampedArray | Uint8Array, pixels: number): MaskReading {
  if (!Number.isInteger(pixels) || pixels < 0) throw new Error(`pixels must be a whole number >= 0, got ${pixels}`);
  if (rgba.length < pixels * 4) throw new Error(`mask has ${rgba.length} bytes, expected ${pixels} RGBA pixels = ${pixels * 4}`);

  // Scaled values (max * A), kept so the second pass does not redo the work.
  const scaled = new Uint16Array(pixels);
  let largest = 0;
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const v = max * rgba[i + 3]!;
    scaled[p] = v;
    if (v > largest) largest = v;
  }

  const labels = largest === LABEL_ONE;
  const mask = new Uint8Array(pixels);
  let carPixels = 0;
  for (let p = 0; p < pixels; p++) {
    const car = labels ? scaled[p]! >= LABEL_ONE : scaled[p]! > THRESHOLD;
    if (car) {
      mask[p] = 1;
      carPixels++;
    }
  }

  const note = carPixels === 0 ? EMPTY_MASK_NOTE : labels ? LABEL_MASK_NOTE : null;
  return { mask, carPixels, coverage: pixels === 0 ? 0 : carPixels / pixels, note };
}
