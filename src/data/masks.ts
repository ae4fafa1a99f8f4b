/**
 * Turns a decoded RGBA mask (getImageData, already resized to the training size) into {0,1}.
 *
 * What an RGBA mask means: a mask with transparency says "car" with its alpha channel, one without
 * says it with its value (DESIGN.md section 4: car if value > 127).
 * - Alpha mode, when some pixel is at most half opaque (A <= 127): car if A > 127, whatever the
 *   colour. That is a cut-out (the car in its own colours, a dark car included, on a transparent
 *   background) or a white car on a transparent background of any colour.
 * - Value mode, when every pixel is more than half opaque (grey, RGB, palette and 16-bit PNGs, GIF,
 *   JPEG, and RGBA saved fully opaque): car if max(R, G, B) > 127. max over channels, so a mask
 *   drawn in any colour on black counts. Special case: a label image storing classes as 0/1 (the
 *   largest value over the whole mask is exactly 1) would read as all background, so there
 *   value >= 1 is car and the reading says so in `note`.
 * Canvas hands back transparent pixels as (0, 0, 0, 0), so the rule cannot depend on their colour.
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

const HALF = 127; // car if the deciding channel is > 127

/** Reads `pixels` RGBA pixels from `rgba` into a {0,1} mask, by the rule in the module comment. */
export function binariseMask(rgba: Uint8ClampedArray | Uint8Array, pixels: number): MaskReading {
  if (!Number.isInteger(pixels) || pixels < 0) throw new Error(`pixels must be a whole number >= 0, got ${pixels}`);
  if (rgba.length < pixels * 4) throw new Error(`mask has ${rgba.length} bytes, expected ${pixels} RGBA pixels = ${pixels * 4}`);

  let alphaMode = false;
  for (let i = 3; i < pixels * 4 && !alphaMode; i += 4) alphaMode = rgba[i]! <= HALF;

  // The deciding channel per pixel: alpha, or max(R, G, B).
  const value = new Uint8Array(pixels);
  let largest = 0;
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    let v: number;
    if (alphaMode) {
      v = rgba[i + 3]!;
    } else {
      const r = rgba[i]!;
      const g = rgba[i + 1]!;
      const b = rgba[i + 2]!;
      v = r > g ? (r > b ? r : b) : g > b ? g : b;
    }
    value[p] = v;
    if (v > largest) largest = v;
  }

  const labels = !alphaMode && largest === 1;
  const cut = labels ? 0 : HALF;
  const mask = new Uint8Array(pixels);
  let carPixels = 0;
  for (let p = 0; p < pixels; p++) {
    if (value[p]! > cut) {
      mask[p] = 1;
      carPixels++;
    }
  }

  const note = carPixels === 0 ? EMPTY_MASK_NOTE : labels ? LABEL_MASK_NOTE : null;
  return { mask, carPixels, coverage: pixels === 0 ? 0 : carPixels / pixels, note };
}
