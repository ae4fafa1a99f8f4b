import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { checkComplete, checkGifComplete, checkJpegComplete, GIF_CUT_SHORT, GIF_NO_IMAGE, JPEG_NO_EOI, JPEG_NO_SCAN } from './complete';
import { encodeJpeg, encodeMaskGif } from './encode';

const concat = (...parts: ArrayLike<number>[]) => new Uint8Array(tf.io.CompositeArrayBuffer.join(parts.map((part) => Uint8Array.from(part).buffer)));

/** A 48x32 photo with edges and noise, so its entropy-coded data is long and holds stuffed FF 00 bytes. */
function photo(width = 48, height = 32): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 97 + ((i / 7) | 0) * 31) % 256;
  return encodeJpeg(rgb, width, height, 95);
}

/** Where the first scan's entropy-coded data starts: just past the SOS segment. */
function scanStart(jpeg: Uint8Array): number {
  let pos = 2;
  while (jpeg[pos + 1] !== 0xda) pos += 2 + ((jpeg[pos + 2]! << 8) | jpeg[pos + 3]!);
  return pos + 2 + ((jpeg[pos + 2]! << 8) | jpeg[pos + 3]!);
}

/** An APP1 "Exif" segment carrying a whole JPEG thumbnail (with its own FF D8 .. FF D9), as cameras write. */
function exifApp1(thumbnail: Uint8Array): Uint8Array {
  const payload = concat([0x45, 0x78, 0x69, 0x66, 0, 0], thumbnail); // "Exif\0\0" + thumbnail (a real one has a TIFF directory too)
  const length = payload.length + 2;
  return concat([0xff, 0xe1, length >> 8, length & 0xff], payload);
}

describe('checkJpegComplete', () => {
  const jpeg = photo();

  it('accepts a whole JPEG whose scan holds stuffed FF 00 bytes', () => {
    const scan = jpeg.subarray(scanStart(jpeg), jpeg.length - 2);
    expect(scan.some((b, i) => b === 0xff && scan[i + 1] === 0x00)).toBe(true); // the walk has stuffing to step over
    expect(checkJpegComplete(jpeg)).toBeNull();
  });

  it('accepts bytes appended after the end-of-image marker (as phones write), padding included', () => {
    const trailer = concat(new TextEncoder().encode('SEFH motion photo'), [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff]);
    expect(checkJpegComplete(concat(jpeg, trailer))).toBeNull();
    expect(checkJpegComplete(concat(jpeg, [0, 0, 0x0a]))).toBeNull();
  });

  it('refuses the file cut at any point before its end-of-image marker is whole', () => {
    for (let length = 2; length < jpeg.length - 1; length += 7) {
      expect(checkJpegComplete(jpeg.subarray(0, length)), `cut to ${length} of ${jpeg.length} bytes`).toBe(JPEG_NO_EOI);
    }
    expect(checkJpegComplete(jpeg.subarray(0, jpeg.length - 1))).toBe(JPEG_NO_EOI);
  });

  it('does not count the end-of-image marker of an EXIF thumbnail before the scan', () => {
    const thumb = photo(16, 16);
    const withExif = concat(jpeg.subarray(0, 2), exifApp1(thumb), jpeg.subarray(2));
    expect(checkJpegComplete(withExif)).toBeNull();
    const thumbEnd = 2 + 4 + 6 + thumb.length; // SOI, APP1 marker and length, "Exif\0\0", thumbnail
    expect([...withExif.subarray(thumbEnd - 2, thumbEnd)]).toEqual([0xff, 0xd9]);
    // Cut right after the thumbnail: the file ends in FF D9, which is what the old last-bytes rule accepted.
    expect(checkJpegComplete(withExif.subarray(0, thumbEnd))).toBe(JPEG_NO_EOI);
    // Cut inside the main scan: the thumbnail's FF D9 is still there, earlier in the file.
    expect(checkJpegComplete(withExif.subarray(0, withExif.length - 40))).toBe(JPEG_NO_EOI);
  });

  it('steps over restart markers and fill bytes in the scan, and walks every scan of a progressive file', () => {
    const sos = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00];
    const dht = [0xff, 0xc4, 0x00, 0x04, 0xff, 0xd9]; // a segment whose payload holds FF D9: skipped by length
    const scan = [0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78];
    const progressive = concat([0xff, 0xd8], sos, scan, dht, sos, scan, [0xff, 0xff, 0xd9]);
    expect(checkJpegComplete(progressive)).toBeNull();
    expect(checkJpegComplete(progressive.subarray(0, progressive.length - 1))).toBe(JPEG_NO_EOI);
    // Cut inside the second scan: the FF D9 in the DHT payload is not an end marker.
    expect(checkJpegComplete(progressive.subarray(0, progressive.length - 4))).toBe(JPEG_NO_EOI);
  });

  it('refuses an end-of-image marker with no scan before it, and a broken segment length', () => {
    expect(checkJpegComplete(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0xff, 0xd9, 0xff, 0xd9]))).toBe(JPEG_NO_SCAN);
    expect(checkJpegComplete(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xd9]))).toBe('corrupt JPEG (segment length 1 at byte 4)');
  });
});

describe('checkGifComplete', () => {
  const mask = new Uint8Array(24 * 16);
  for (let p = 0; p < mask.length; p++) mask[p] = (p % 24) * 3 < 40 + (p / 24) * 2 ? 255 : 0;
  const gif = encodeMaskGif(mask, 24, 16);
  // gifenc writes a 2-entry global colour table (6 bytes): blocks start at 13 + 6.
  const FIRST_BLOCK = 19;

  it('accepts a whole GIF, and one without its trailer byte (browsers show it)', () => {
    expect(gif[gif.length - 1]).toBe(0x3b);
    expect(checkGifComplete(gif)).toBeNull();
    expect(checkGifComplete(gif.subarray(0, gif.length - 1))).toBeNull();
  });

  it('refuses the file cut at every length that loses part of the first image', () => {
    for (let length = 0; length < gif.length - 1; length++) {
      expect(checkGifComplete(gif.subarray(0, length)), `cut to ${length} of ${gif.length} bytes`).toBe(GIF_CUT_SHORT);
    }
  });

  it('accepts a cut-off second frame: only the first is shown', () => {
    const secondFrame = gif.subarray(gif.indexOf(0x2c, FIRST_BLOCK), gif.length - 1);
    const twoFrames = concat(gif.subarray(0, gif.length - 1), secondFrame.subarray(0, secondFrame.length >> 1));
    expect(checkGifComplete(twoFrames)).toBeNull();
  });

  it('names a byte that starts no block, and a GIF with no image', () => {
    const corrupt = gif.slice();
    corrupt.fill(0x42, FIRST_BLOCK);
    expect(checkGifComplete(corrupt)).toBe('corrupt GIF (byte 0x42 at byte 19 starts no GIF block)');
    expect(checkGifComplete(concat(gif.subarray(0, FIRST_BLOCK), [0x3b]))).toBe(GIF_NO_IMAGE);
  });
});

describe('checkComplete', () => {
  it('checks JPEG and GIF, and leaves other formats to the decoder', () => {
    const cut = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]);
    expect(checkComplete(cut, 'jpeg')).toBe(JPEG_NO_EOI);
    expect(checkComplete(Uint8Array.from([0x47, 0x49, 0x46]), 'gif')).toBe(GIF_CUT_SHORT);
    expect(checkComplete(cut, 'png')).toBeNull();
    expect(checkComplete(cut, 'webp')).toBeNull();
  });
});
