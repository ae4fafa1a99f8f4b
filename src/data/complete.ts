/**
 * Is a JPEG or GIF whole? Chromium rejects most cut-off files, but not all of them, and the reason
 * it gives ("could not be decoded") does not say the file is cut off; these checks do, by
 * structure rather than by looking at the last bytes:
 *
 * - JPEG: complete when an end-of-image marker (FF D9) follows the start of a scan (FF DA). The
 *   walk skips every marker segment by its length (so the EOI of an EXIF thumbnail inside APP1 is
 *   never seen) and, inside entropy-coded data, steps over FF 00 (a stuffed byte) and FF D0..D7
 *   (restart markers): there FF D9 can only be the real marker. Bytes after the EOI are allowed
 *   (phones append data there).
 * - GIF: complete when the first image (descriptor, colour table, LZW data up to its 0-length
 *   terminator block) lies wholly in the file. The trailer byte (3B) is not required: browsers
 *   show a GIF without one, and only the first frame is used. A cut-off GIF ends inside its
 *   image data, which the walk finds.
 *
 * Reasons start lower-case and name no file: the caller prefixes the file name.
 */
import type { ImageFormat } from './imageHeader';

export const JPEG_NO_EOI = 'truncated or corrupt JPEG (no end-of-image marker after the image data)';
export const JPEG_NO_SCAN = 'corrupt JPEG (end-of-image marker before any image data)';
export const GIF_CUT_SHORT = 'truncated or corrupt GIF (the file ends inside its first image)';
export const GIF_NO_IMAGE = 'corrupt GIF (the trailer comes before any image)';

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

/** null when the JPEG holds a scan followed by an end-of-image marker, else the reason. */
export function checkJpegComplete(bytes: Uint8Array): string | null {
  const n = bytes.length;
  let scans = 0;
  let pos = 2; // after SOI
  while (pos + 1 < n) {
    if (bytes[pos] !== 0xff) {
      // Entropy-coded data (or stray bytes between segments): jump to the next FF.
      pos = bytes.indexOf(0xff, pos);
      if (pos < 0) break;
      continue;
    }
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte before a marker
    } else if (marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // a stuffed FF or a restart marker: the scan goes on
    } else if (marker === 0xd9) {
      return scans > 0 ? null : JPEG_NO_SCAN;
    } else if (marker === 0xd8 || marker === 0x01) {
      pos += 2; // markers without a length
    } else {
      if (pos + 4 > n) break;
      const length = u16be(bytes, pos + 2);
      if (length < 2) return `corrupt JPEG (segment length ${length} at byte ${pos + 2})`;
      if (marker === 0xda) scans++;
      pos += 2 + length;
    }
  }
  return JPEG_NO_EOI;
}

/** Index just past a chain of GIF sub-blocks starting at `from` (ended by a 0 size), or -1 if the bytes end first. */
function skipSubBlocks(bytes: Uint8Array, from: number): number {
  let pos = from;
  while (pos < bytes.length) {
    const size = bytes[pos]!;
    if (size === 0) return pos + 1;
    pos += size + 1;
  }
  return -1;
}

const colourTableBytes = (packed: number) => (packed & 0x80 ? 3 * (2 << (packed & 7)) : 0);

/** null when the GIF's first image is whole, else the reason. */
export function checkGifComplete(bytes: Uint8Array): string | null {
  const n = bytes.length;
  // Header (6) and logical screen descriptor (7), then the global colour table if flagged.
  let pos = n >= 13 ? 13 + colourTableBytes(bytes[10]!) : n;
  while (pos < n) {
    const introducer = bytes[pos]!;
    if (introducer === 0x3b) return GIF_NO_IMAGE;
    if (introducer === 0x21) {
      // Extension: introducer, label, then sub-blocks.
      pos = skipSubBlocks(bytes, pos + 2);
      if (pos < 0) break;
    } else if (introducer === 0x2c) {
      // Image descriptor (10 bytes), local colour table, LZW minimum code size (1), sub-blocks.
      if (pos + 10 > n) break;
      const lzwAt = pos + 10 + colourTableBytes(bytes[pos + 9]!);
      return lzwAt < n && skipSubBlocks(bytes, lzwAt + 1) >= 0 ? null : GIF_CUT_SHORT;
    } else {
      return `corrupt GIF (byte 0x${introducer.toString(16).padStart(2, '0')} at byte ${pos} starts no GIF block)`;
    }
  }
  return GIF_CUT_SHORT;
}

/** The check for `format`, or null for formats the browser's own errors already describe. */
export function checkComplete(bytes: Uint8Array, format: ImageFormat): string | null {
  if (format === 'jpeg') return checkJpegComplete(bytes);
  if (format === 'gif') return checkGifComplete(bytes);
  return null;
}
