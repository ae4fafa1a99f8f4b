/**
 * Reads an image's format and size from its first bytes, without decoding, so the ingester can
 * reject a bad file early with a reason a person can act on, and compare image and mask aspect
 * ratios before paying for a decode. Formats: the ones the browser decode path promises (JPEG,
 * PNG, GIF, WebP). Reasons start lower-case and name no file: the caller prefixes the file name.
 */

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Bits per sample where the header says (JPEG precision, PNG bit depth). */
  bitDepth?: number;
  colorType?: 'grey' | 'rgb' | 'palette' | 'grey-alpha' | 'rgba';
}

export type HeaderResult = { ok: true; header: ImageHeader } | { ok: false; reason: string };

/** How much of a file the caller should pass: a JPEG's SOF can sit after a large EXIF/XMP block. */
export const HEADER_BYTES = 262144;

const FORMAT_NAME: Record<ImageFormat, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP' };

const fail = (reason: string): HeaderResult => ({ ok: false, reason });
const truncated = (format: ImageFormat) => fail(`truncated ${FORMAT_NAME[format]} header`);

function sized(header: ImageHeader): HeaderResult {
  if (header.width <= 0 || header.height <= 0) return fail(`invalid size ${header.width}x${header.height}`);
  return { ok: true, header };
}

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

const chars = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Magic numbers; `null` is a wildcard (RIFF's file size). */
const SIGNATURES: Array<{ format: ImageFormat; magic: Array<number | null> }> = [
  { format: 'jpeg', magic: [0xff, 0xd8, 0xff] },
  { format: 'png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { format: 'gif', magic: chars('GIF87a') },
  { format: 'gif', magic: chars('GIF89a') },
  { format: 'webp', magic: [...chars('RIFF'), null, null, null, null, ...chars('WEBP')] },
];

/**
 * Which format the bytes claim. `truncated` when the whole file is a proper prefix of a magic
 * number (at least 2 bytes, so one stray byte is not called a cut-off image).
 */
function sniff(bytes: Uint8Array): { format: ImageFormat; truncated: boolean } | null {
  for (const { format, magic } of SIGNATURES) {
    const n = Math.min(magic.length, bytes.length);
    let matches = true;
    for (let i = 0; i < n && matches; i++) matches = magic[i] === null || magic[i] === bytes[i];
    if (!matches) continue;
    if (bytes.length >= magic.length) return { format, truncated: false };
    if (bytes.length >= 2) return { format, truncated: true };
  }
  return null;
}

// SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG, reserved) and CC (DAC) share the range but do not.
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
// Markers with no length field: TEM, RST0..7, SOI.
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);

function readJpeg(bytes: Uint8Array, totalSize: number): HeaderResult {
  // Running off the bytes we were given means either the file ends there or we were not given enough.
  const ranOut = () =>
    bytes.length >= totalSize ? truncated('jpeg') : fail(`JPEG has no size (no SOF marker in the first ${Math.round(bytes.length / 1024)} KB)`);
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) return ranOut();
    if (bytes[pos] !== 0xff) return fail(`corrupt JPEG header (no marker at byte ${pos})`);
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes may pad any marker
    if (pos >= bytes.length) return ranOut();
    const marker = bytes[pos]!;
    pos++;
    if (marker === 0x00) return fail(`corrupt JPEG header (no marker at byte ${pos - 2})`);
    if (isStandalone(marker)) continue;
    if (marker === 0xd9 || marker === 0xda) return fail('JPEG has no size (no SOF marker before the image data)');
    if (pos + 2 > bytes.length) return ranOut();
    const length = u16be(bytes, pos);
    if (length < 2) return fail(`corrupt JPEG header (segment length ${length} at byte ${pos})`);
    if (isStartOfFrame(marker)) {
      // Segment: length(2) precision(1) height(2) width(2) components(1).
      if (pos + 8 > bytes.length) return ranOut();
      const components = bytes[pos + 7]!;
      const colorType = components === 1 ? 'grey' : components === 3 ? 'rgb' : undefined;
      const header: ImageHeader = { format: 'jpeg', width: u16be(bytes, pos + 5), height: u16be(bytes, pos + 3), bitDepth: bytes[pos + 2]! };
      if (colorType) header.colorType = colorType;
      return sized(header);
    }
    pos += length;
  }
}

const PNG_COLOR_TYPES: Record<number, ImageHeader['colorType']> = { 0: 'grey', 2: 'rgb', 3: 'palette', 4: 'grey-alpha', 6: 'rgba' };

function readPng(bytes: Uint8Array): HeaderResult {
  // Signature(8), then IHDR must come first: length(4) type(4) width(4) height(4) depth(1) colour(1).
  if (bytes.length < 26) return truncated('png');
  if (ascii(bytes, 12, 4) !== 'IHDR') return fail('corrupt PNG header (first chunk is not IHDR)');
  const colorType = PNG_COLOR_TYPES[bytes[25]!];
  if (!colorType) return fail(`corrupt PNG header (unknown colour type ${bytes[25]})`);
  return sized({ format: 'png', width: u32be(bytes, 16), height: u32be(bytes, 20), bitDepth: bytes[24]!, colorType });
}

function readGif(bytes: Uint8Array): HeaderResult {
  // Signature(6), then the logical screen: width(2) height(2), little-endian.
  if (bytes.length < 10) return truncated('gif');
  return sized({ format: 'gif', width: u16le(bytes, 6), height: u16le(bytes, 8), colorType: 'palette' });
}

function readWebp(bytes: Uint8Array): HeaderResult {
  // RIFF(4) size(4) WEBP(4), then the first chunk: fourCC(4) size(4) payload from byte 20.
  if (bytes.length < 20) return truncated('webp');
  const chunk = ascii(bytes, 12, 4);
  switch (chunk) {
    case 'VP8 ': {
      // Lossy: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height (2 scale bits above).
      if (bytes.length < 30) return truncated('webp');
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return fail('corrupt WebP header (bad VP8 start code)');
      return sized({ format: 'webp', width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff, colorType: 'rgb' });
    }
    case 'VP8L': {
      // Lossless: signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha hint, 3 bits version.
      if (bytes.length < 25) return truncated('webp');
      if (bytes[20] !== 0x2f) return fail('corrupt WebP header (bad VP8L signature)');
      const bits = (bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24)) >>> 0;
      const alpha = (bits >>> 28) & 1;
      return sized({ format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, colorType: alpha ? 'rgba' : 'rgb' });
    }
    case 'VP8X': {
      // Extended: flags(1) reserved(3), then 24-bit canvas width-1 and height-1. Flag 0x10 = has alpha.
      if (bytes.length < 30) return truncated('webp');
      const alpha = (bytes[20]! & 0x10) !== 0;
      return sized({ format: 'webp', width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1, colorType: alpha ? 'rgba' : 'rgb' });
    }
    default:
      return fail(`corrupt WebP header (unknown first chunk "${chunk.replace(/[^\x20-\x7e]/g, '?')}")`);
  }
}

/**
 * Format and size from the start of a file. Pass the first min(HEADER_BYTES, size) bytes and the
 * file's full size: the size tells a file that really ends early ("truncated") from a JPEG whose
 * SOF lies beyond what was read.
 */
export function readImageHeader(bytes: Uint8Array, totalSize: number): HeaderResult {
  if (totalSize === 0) return fail('empty file (0 bytes)');
  const sniffed = sniff(bytes);
  if (!sniffed) return fail('not an image (unrecognised content)');
  if (sniffed.truncated) return truncated(sniffed.format);
  switch (sniffed.format) {
    case 'jpeg':
      return readJpeg(bytes, totalSize);
    case 'png':
      return readPng(bytes);
    case 'gif':
      return readGif(bytes);
    case 'webp':
      return readWebp(bytes);
    default: {
      const unreachable: never = sniffed.format;
      throw new Error(`unknown format ${String(unreachable)}`);
    }
  }
}
