import { decode as jpegDecode } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg, encodeMaskGif } from './encode';
import { renderCarScene } from './synthetic';

/**
 * A minimal GIF reader written for this test (not shared with the encoder): palette and the
 * first frame's colour indices, through the standard variable-width LZW decode.
 */
function readGif(bytes: Uint8Array): { width: number; height: number; palette: number[][]; indices: Uint8Array } {
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const width = u16(6);
  const height = u16(8);
  const packed = bytes[10]!;
  let pos = 13;
  const palette: number[][] = [];
  if (packed & 0x80) {
    const size = 2 << (packed & 7);
    for (let i = 0; i < size; i++) palette.push([bytes[pos + i * 3]!, bytes[pos + i * 3 + 1]!, bytes[pos + i * 3 + 2]!]);
    pos += size * 3;
  }
  const skipSubBlocks = () => {
    while (bytes[pos] !== 0) pos += bytes[pos]! + 1;
    pos++;
  };
  while (bytes[pos] === 0x21) {
    pos += 2;
    skipSubBlocks();
  }
  if (bytes[pos] !== 0x2c) throw new Error(`expected an image descriptor at ${pos}`);
  if (bytes[pos + 9]! & 0x80) throw new Error('local colour tables are not handled');
  pos += 10;
  const minCodeSize = bytes[pos++]!;
  const data: number[] = [];
  while (bytes[pos] !== 0) {
    const n = bytes[pos]!;
    for (let i = 1; i <= n; i++) data.push(bytes[pos + i]!);
    pos += n + 1;
  }

  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const indices = new Uint8Array(width * height);
  let out = 0;
  let bitPos = 0;
  let codeSize = minCodeSize + 1;
  let table: number[][] = [];
  const reset = () => {
    table = Array.from({ length: clear + 2 }, (_, i) => [i]);
    codeSize = minCodeSize + 1;
  };
  reset();
  let previous: number[] | null = null;
  while (bitPos + codeSize <= data.length * 8) {
    let code = 0;
    for (let b = 0; b < codeSize; b++, bitPos++) code |= ((data[bitPos >> 3]! >> (bitPos & 7)) & 1) << b;
    if (code === clear) {
      reset();
      previous = null;
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (code < table.length) entry = table[code]!;
    else if (previous) entry = [...previous, previous[0]!];
    else throw new Error('bad LZW stream');
    for (const v of entry) indices[out++] = v;
    if (previous) table.push([...previous, entry[0]!]);
    previous = entry;
    if (table.length === 1 << codeSize && codeSize < 12) codeSize++;
  }
  if (out !== width * height) throw new Error(`decoded ${out} pixels, expected ${width * height}`);
  return { width, height, palette, indices };
}

describe('encodeMaskGif', () => {
  const width = 192;
  const height = 128;
  const { mask } = renderCarScene({ carSeed: 3, angleIndex: 2, width, height });
  const gif = encodeMaskGif(mask, width, height);

  it('writes a GIF89a header with the size little-endian', () => {
    expect(String.fromCharCode(...gif.subarray(0, 6))).toBe('GIF89a');
    expect(gif[6]! | (gif[7]! << 8)).toBe(width);
    expect(gif[8]! | (gif[9]! << 8)).toBe(height);
    expect(gif[gif.length - 1]).toBe(0x3b); // trailer
  });

  it('is compressed but non-trivial (between 200 bytes and 1/4 of the raw mask)', () => {
    expect(gif.length).toBeGreaterThan(200);
    expect(gif.length).toBeLessThan((width * height) / 4);
  });

  it('decodes back to exactly the mask, with a black/white palette', () => {
    const decoded = readGif(gif);
    expect(decoded.width).toBe(width);
    expect(decoded.height).toBe(height);
    expect(decoded.palette.slice(0, 2)).toEqual([
      [0, 0, 0],
      [255, 255, 255],
    ]);
    let differences = 0;
    for (let i = 0; i < mask.length; i++) if (decoded.palette[decoded.indices[i]!]![0] !== mask[i]) differences++;
    expect(differences).toBe(0);
  });

  it('thresholds soft masks at 127', () => {
    const decoded = readGif(encodeMaskGif(new Uint8Array([0, 127, 128, 255]), 2, 2));
    expect([...decoded.indices]).toEqual([0, 0, 1, 1]);
  });

  it('rejects a mask of the wrong length', () => {
    expect(() => encodeMaskGif(new Uint8Array(5), 2, 2)).toThrow(/expected 2x2 = 4/);
  });
});

describe('encodeJpeg', () => {
  const width = 192;
  const height = 128;
  const { rgb } = renderCarScene({ carSeed: 4, angleIndex: 5, width, height });

  it('round-trips through jpeg-js with mean absolute error < 8 levels at quality 90', () => {
    const jpeg = encodeJpeg(rgb, width, height, 90);
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]); // SOI marker
    const decoded = jpegDecode(jpeg, { useTArray: true, formatAsRGBA: false });
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    let error = 0;
    for (let i = 0; i < rgb.length; i++) error += Math.abs(decoded.data[i]! - rgb[i]!);
    expect(error / rgb.length).toBeLessThan(8);
  });

  it('gets smaller as quality drops', () => {
    expect(encodeJpeg(rgb, width, height, 50).length).toBeLessThan(encodeJpeg(rgb, width, height, 90).length);
  });

  it('decodeJpeg returns packed RGB of the right size', () => {
    const decoded = decodeJpeg(encodeJpeg(rgb, width, height));
    expect(decoded.rgb.length).toBe(width * height * 3);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => encodeJpeg(new Uint8Array(10), 2, 2)).toThrow(/expected 2x2x3 = 12/);
  });
});
