/** File encoders for the synthetic sample: JPEG photos and 2-colour GIF masks, as Carvana ships them. */
import * as gifencNamespace from 'gifenc';
import { decode as decodeJpegBytes, encode as encodeJpegBytes } from 'jpeg-js';

// Node loads gifenc's CommonJS build, whose named exports it cannot see: they sit on `default`.
// Bundlers load the ES build, where they are real named exports. Accept both.
const gifenc: typeof gifencNamespace =
  'GIFEncoder' in gifencNamespace ? gifencNamespace : (gifencNamespace as unknown as { default: typeof gifencNamespace }).default;

const BLACK_WHITE = [
  [0, 0, 0],
  [255, 255, 255],
];

/** A single-frame GIF with palette black/white: pixel is white where mask > 127. */
export function encodeMaskGif(mask: Uint8Array, width: number, height: number): Uint8Array {
  if (mask.length !== width * height) throw new Error(`mask has ${mask.length} values, expected ${width}x${height} = ${width * height}`);
  const index = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) index[i] = mask[i]! > 127 ? 1 : 0;
  const encoder = gifenc.GIFEncoder();
  // colorDepth 2: the smallest LZW code size GIF allows; repeat -1: a still image, no loop block.
  encoder.writeFrame(index, width, height, { palette: BLACK_WHITE, colorDepth: 2, repeat: -1 });
  encoder.finish();
  return encoder.bytes();
}

/** Baseline JPEG of packed RGB pixels. */
export function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality = 90): Uint8Array {
  if (rgb.length !== width * height * 3) throw new Error(`rgb has ${rgb.length} bytes, expected ${width}x${height}x3 = ${width * height * 3}`);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgba[q] = rgb[p]!;
    rgba[q + 1] = rgb[p + 1]!;
    rgba[q + 2] = rgb[p + 2]!;
    rgba[q + 3] = 255;
  }
  const { data } = encodeJpegBytes({ data: rgba, width, height }, quality);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Decodes a JPEG to packed RGB (for checks and tools; the app decodes with the browser). */
export function decodeJpeg(bytes: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const { width, height, data } = decodeJpegBytes(bytes, { useTArray: true, formatAsRGBA: false });
  return { width, height, rgb: data };
}
