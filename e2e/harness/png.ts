/**
 * A small PNG encoder for tests and fixtures: one IDAT, filter 0 on every row, zlib by fflate.
 * Enough for Chromium and readImageHeader; not tuned for size beyond what zlib gives.
 */
import { zlibSync } from 'fflate';

export type PngColorType = 'grey' | 'rgb' | 'palette' | 'grey-alpha' | 'rgba';

export interface PngImage {
  width: number;
  height: number;
  colorType: PngColorType;
  bitDepth: 8 | 16;
  /** Samples row-major, channels interleaved; one entry per sample (a palette index for 'palette'). */
  data: Uint8Array | Uint16Array;
  /** Required for 'palette': up to 256 RGB entries. */
  palette?: Array<[number, number, number]>;
}

const COLOR_TYPE_CODE: Record<PngColorType, number> = { grey: 0, rgb: 2, palette: 3, 'grey-alpha': 4, rgba: 6 };
const CHANNELS: Record<PngColorType, number> = { grey: 1, rgb: 3, palette: 1, 'grey-alpha': 2, rgba: 4 };
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE, reflected 0xEDB88320), as every PNG chunk carries over its type and data. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function check({ width, height, colorType, bitDepth, data, palette }: PngImage): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`PNG size must be positive integers, got ${width}x${height}`);
  }
  const samples = width * height * CHANNELS[colorType];
  if (data.length !== samples) throw new Error(`PNG ${colorType} ${width}x${height} needs ${samples} samples, got ${data.length}`);
  if (colorType === 'palette') {
    if (bitDepth !== 8) throw new Error('palette PNGs are 8-bit here (PNG allows at most 8 bits per index)');
    if (!palette || palette.length < 1 || palette.length > 256) throw new Error('palette PNG needs 1..256 palette entries');
    for (let i = 0; i < data.length; i++) {
      if (data[i]! >= palette.length) throw new Error(`palette index ${data[i]} at sample ${i} is past the ${palette.length}-entry palette`);
    }
  }
}

/** Encodes pixels as a PNG file. 16-bit samples are written big-endian, as PNG requires. */
export function encodePng(image: PngImage): Uint8Array {
  check(image);
  const { width, height, colorType, bitDepth, data, palette } = image;
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * CHANNELS[colorType] * bytesPerSample;
  const raw = new Uint8Array((rowBytes + 1) * height);
  const samplesPerRow = width * CHANNELS[colorType];
  for (let y = 0; y < height; y++) {
    let at = y * (rowBytes + 1) + 1; // the leading 0 is filter type None
    const from = y * samplesPerRow;
    for (let s = 0; s < samplesPerRow; s++) {
      const v = data[from + s]!;
      if (bitDepth === 16) {
        raw[at++] = (v >>> 8) & 0xff;
        raw[at++] = v & 0xff;
      } else {
        raw[at++] = v;
      }
    }
  }

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = COLOR_TYPE_CODE[colorType];
  // ihdr[10..12]: compression 0 (deflate), filter method 0, interlace 0 (none).

  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr)];
  if (colorType === 'palette') parts.push(chunk('PLTE', Uint8Array.from(palette!.flat())));
  parts.push(chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0)));

  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
