import { describe, expect, it } from 'vitest';
import { encodePng, type PngColorType } from '../../e2e/harness/png';
import { encodeJpeg, encodeMaskGif } from './encode';
import { HEADER_BYTES, readImageHeader, type HeaderResult, type ImageHeader } from './imageHeader';

const chars = (s: string) => [...s].map((c) => c.charCodeAt(0));
const u16le = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const u24le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff];
const u32le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Reads as the ingester will: the first HEADER_BYTES of the file and its full size. */
const read = (bytes: Uint8Array): HeaderResult => readImageHeader(bytes.subarray(0, HEADER_BYTES), bytes.length);

/** RIFF/WEBP container around one chunk, built from the WebP container spec. */
function webp(fourCC: string, payload: number[]): Uint8Array {
  const chunk = [...chars(fourCC), ...u32le(payload.length), ...payload];
  return Uint8Array.from([...chars('RIFF'), ...u32le(4 + chunk.length), ...chars('WEBP'), ...chunk]);
}
// VP8 key frame: 3-byte frame tag, start code, 14-bit sizes with 2 scale bits on top.
const vp8 = (w: number, h: number, scale = 0) =>
  webp('VP8 ', [0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...u16le(w | (scale << 14)), ...u16le(h | (scale << 14)), 0, 0]);
// VP8L: signature 0x2F, then (w-1) | (h-1) << 14 | alpha << 28 | version 0 << 29.
const vp8l = (w: number, h: number, alpha: boolean) => webp('VP8L', [0x2f, ...u32le(((w - 1) | ((h - 1) << 14) | ((alpha ? 1 : 0) << 28)) >>> 0), 0, 0]);
// VP8X: flags (0x10 = alpha), 3 reserved bytes, 24-bit canvas width-1 and height-1.
const vp8x = (w: number, h: number, alpha: boolean) => webp('VP8X', [alpha ? 0x10 : 0, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)]);

/** A JPEG marker segment: FF, marker, big-endian length (payload + 2), payload. */
const segment = (marker: number, payload: number[]) => [0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
const sof = (marker: number, w: number, h: number, components: number, precision = 8) =>
  segment(marker, [precision, h >> 8, h & 0xff, w >> 8, w & 0xff, components, ...new Array<number>(components * 3).fill(1)]);
const jpeg = (...parts: number[][]) => Uint8Array.from([0xff, 0xd8, ...parts.flat()]);
const app1 = (size: number) => segment(0xe1, new Array<number>(size).fill(0x45));

const gifHeader = (version: string, w: number, h: number) => Uint8Array.from([...chars(version), ...u16le(w), ...u16le(h), 0x80, 0, 0]);

function png(colorType: PngColorType, bitDepth: 8 | 16, w = 5, h = 3): Uint8Array {
  const channels = { grey: 1, rgb: 3, palette: 1, 'grey-alpha': 2, rgba: 4 }[colorType];
  const samples = w * h * channels;
  const data = bitDepth === 16 ? new Uint16Array(samples).map((_, i) => i * 997) : new Uint8Array(samples).map((_, i) => i % 2);
  return encodePng({
    width: w,
    height: h,
    colorType,
    bitDepth,
    data,
    palette: [
      [0, 0, 0],
      [255, 255, 255],
    ],
  });
}

const rgb = (w: number, h: number) => new Uint8Array(w * h * 3).map((_, i) => (i * 37) % 256);
const realJpeg = encodeJpeg(rgb(24, 16), 24, 16, 80);
const realGif = encodeMaskGif(
  new Uint8Array(24 * 16).map((_, i) => (i % 7 === 0 ? 255 : 0)),
  24,
  16,
);

const good: Array<[string, Uint8Array, ImageHeader]> = [
  ['JPEG from jpeg-js', realJpeg, { format: 'jpeg', width: 24, height: 16, bitDepth: 8, colorType: 'rgb' }],
  [
    'JPEG 1918x1280 (Carvana size), hand-built',
    jpeg(segment(0xe0, chars('JFIF\0')), sof(0xc0, 1918, 1280, 3)),
    { format: 'jpeg', width: 1918, height: 1280, bitDepth: 8, colorType: 'rgb' },
  ],
  [
    'JPEG progressive (SOF2) after DHT, grey',
    jpeg(segment(0xc4, [0, 1, 2]), sof(0xc2, 640, 480, 1)),
    { format: 'jpeg', width: 640, height: 480, bitDepth: 8, colorType: 'grey' },
  ],
  ['JPEG 12-bit CMYK (SOF1): no colour type', jpeg(sof(0xc1, 10, 20, 4, 12)), { format: 'jpeg', width: 10, height: 20, bitDepth: 12 }],
  [
    'JPEG skips DAC (CC) and JPG (C8)',
    jpeg(segment(0xcc, [1, 2]), segment(0xc8, [9, 9, 9, 9, 9, 9]), sof(0xcf, 33, 44, 3)),
    { format: 'jpeg', width: 33, height: 44, bitDepth: 8, colorType: 'rgb' },
  ],
  [
    'JPEG with fill bytes and RST before SOF',
    jpeg([0xff, 0xff, 0xff], segment(0xfe, chars('comment')), [0xff, 0xd0], sof(0xc0, 7, 9, 3)),
    { format: 'jpeg', width: 7, height: 9, bitDepth: 8, colorType: 'rgb' },
  ],
  [
    'JPEG whose SOF sits after ~196 KB of EXIF',
    jpeg(app1(65000), app1(65000), app1(65000), sof(0xc0, 1918, 1280, 3)),
    { format: 'jpeg', width: 1918, height: 1280, bitDepth: 8, colorType: 'rgb' },
  ],
  ['GIF from gifenc', realGif, { format: 'gif', width: 24, height: 16, colorType: 'palette' }],
  ['GIF87a, hand-built', gifHeader('GIF87a', 1918, 1280), { format: 'gif', width: 1918, height: 1280, colorType: 'palette' }],
  ['WebP lossy (VP8)', vp8(1918, 1280), { format: 'webp', width: 1918, height: 1280, colorType: 'rgb' }],
  ['WebP lossy (VP8) ignores the scale bits', vp8(400, 300, 2), { format: 'webp', width: 400, height: 300, colorType: 'rgb' }],
  ['WebP lossless (VP8L), opaque', vp8l(1918, 1280, false), { format: 'webp', width: 1918, height: 1280, colorType: 'rgb' }],
  ['WebP lossless (VP8L), largest size, alpha', vp8l(16384, 16384, true), { format: 'webp', width: 16384, height: 16384, colorType: 'rgba' }],
  ['WebP extended (VP8X), alpha', vp8x(1918, 1280, true), { format: 'webp', width: 1918, height: 1280, colorType: 'rgba' }],
  ['WebP extended (VP8X), 24-bit canvas', vp8x(20000, 1, false), { format: 'webp', width: 20000, height: 1, colorType: 'rgb' }],
];
for (const colorType of ['grey', 'rgb', 'palette', 'grey-alpha', 'rgba'] as const) {
  for (const bitDepth of colorType === 'palette' ? ([8] as const) : ([8, 16] as const)) {
    good.push([`PNG ${colorType} ${bitDepth}-bit`, png(colorType, bitDepth), { format: 'png', width: 5, height: 3, bitDepth, colorType }]);
  }
}

describe('readImageHeader: real and hand-built headers', () => {
  it.each(good)('%s', (_name, bytes, header) => {
    expect(read(bytes)).toEqual({ ok: true, header });
  });

  it('reads a PNG wider than 2^31 as unsigned', () => {
    const bytes = png('grey', 8);
    bytes.set([0x80, 0, 0, 1], 16); // width field; readers must not go negative
    expect(read(bytes)).toMatchObject({ ok: true, header: { width: 2 ** 31 + 1, height: 3 } });
  });
});

const PNG8 = png('rgb', 8);
const VP8 = vp8(64, 48);

const bad: Array<[string, Uint8Array, number, string]> = [
  ['an empty file', new Uint8Array(0), 0, 'empty file (0 bytes)'],
  ['text', Uint8Array.from(chars('notes: car 3 has a bad mask\n')), 28, 'not an image (unrecognised content)'],
  ['one stray byte', Uint8Array.from([0xff]), 1, 'not an image (unrecognised content)'],
  ['a BMP', Uint8Array.from([...chars('BM'), ...new Array<number>(60).fill(0)]), 62, 'not an image (unrecognised content)'],
  ['a RIFF WAVE', Uint8Array.from([...chars('RIFF'), 0, 0, 0, 0, ...chars('WAVEfmt ')]), 16, 'not an image (unrecognised content)'],
  ['.DS_Store bytes', Uint8Array.from([0, 0, 0, 1, ...chars('Bud1'), 0, 0, 16, 0]), 14, 'not an image (unrecognised content)'],
  ['JPEG cut to its SOI', realJpeg.slice(0, 2), 2, 'truncated JPEG header'],
  ['JPEG cut before SOF', realJpeg.slice(0, 40), 40, 'truncated JPEG header'],
  ['JPEG cut inside SOF', jpeg(sof(0xc0, 10, 10, 3)).slice(0, 8), 8, 'truncated JPEG header'],
  ['PNG cut inside the signature', PNG8.slice(0, 5), 5, 'truncated PNG header'],
  ['PNG cut inside IHDR', PNG8.slice(0, 20), 20, 'truncated PNG header'],
  ['GIF cut before the height', realGif.slice(0, 9), 9, 'truncated GIF header'],
  ['GIF cut inside the signature', realGif.slice(0, 4), 4, 'truncated GIF header'],
  ['WebP cut inside RIFF', VP8.slice(0, 10), 10, 'truncated WebP header'],
  ['WebP cut before the VP8 size', VP8.slice(0, 27), 27, 'truncated WebP header'],
  ['WebP VP8L cut', vp8l(5, 5, false).slice(0, 23), 23, 'truncated WebP header'],
  ['WebP VP8X cut', vp8x(5, 5, false).slice(0, 28), 28, 'truncated WebP header'],
  ['GIF 0x0', gifHeader('GIF89a', 0, 0), 13, 'invalid size 0x0'],
  [
    'PNG 0 wide',
    (() => {
      const b = png('grey', 8);
      b.set([0, 0, 0, 0], 16);
      return b;
    })(),
    PNG8.length,
    'invalid size 0x3',
  ],
  ['JPEG 0x0', jpeg(sof(0xc0, 0, 0, 3)), 21, 'invalid size 0x0'],
  ['JPEG whose scan starts before any SOF', jpeg(segment(0xda, [1, 2, 3])), 9, 'JPEG has no size (no SOF marker before the image data)'],
  [
    'JPEG with garbage where a marker should be',
    Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0x12, 0x34]),
    10,
    'corrupt JPEG header (no marker at byte 8)',
  ],
  ['JPEG with a segment length below 2', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0, 0]), 8, 'corrupt JPEG header (segment length 1 at byte 4)'],
  [
    'PNG whose first chunk is not IHDR',
    (() => {
      const b = png('grey', 8);
      b.set(chars('IDAT'), 12);
      return b;
    })(),
    PNG8.length,
    'corrupt PNG header (first chunk is not IHDR)',
  ],
  [
    'PNG with colour type 5',
    (() => {
      const b = png('grey', 8);
      b[25] = 5;
      return b;
    })(),
    PNG8.length,
    'corrupt PNG header (unknown colour type 5)',
  ],
  [
    'WebP VP8 with a bad start code',
    (() => {
      const b = vp8(5, 5);
      b[24] = 0;
      return b;
    })(),
    VP8.length,
    'corrupt WebP header (bad VP8 start code)',
  ],
  [
    'WebP VP8L with a bad signature',
    (() => {
      const b = vp8l(5, 5, false);
      b[20] = 0;
      return b;
    })(),
    27,
    'corrupt WebP header (bad VP8L signature)',
  ],
  ['WebP with an unknown chunk', webp('VP9 ', new Array<number>(12).fill(0)), 32, 'corrupt WebP header (unknown first chunk "VP9 ")'],
];

describe('readImageHeader: bad input gives a short reason', () => {
  it.each(bad)('%s', (_name, bytes, totalSize, reason) => {
    expect(readImageHeader(bytes, totalSize)).toEqual({ ok: false, reason });
  });

  it('says the SOF is past the first 256 KB when a huge EXIF block hides it', () => {
    const bytes = jpeg(app1(65000), app1(65000), app1(65000), app1(65000), app1(65000), sof(0xc0, 1918, 1280, 3));
    expect(bytes.length).toBeGreaterThan(HEADER_BYTES);
    expect(read(bytes)).toEqual({ ok: false, reason: 'JPEG has no size (no SOF marker in the first 256 KB)' });
  });

  it('calls a whole file that ends inside the EXIF block truncated, not "no SOF"', () => {
    const bytes = jpeg(app1(65000)).slice(0, 30000);
    expect(read(bytes)).toEqual({ ok: false, reason: 'truncated JPEG header' });
  });

  it('a corrupt body behind a valid header still reads: decoding is what catches it', () => {
    const bytes = realJpeg.slice();
    bytes.fill(0x42, bytes.length - 200);
    expect(read(bytes)).toEqual({ ok: true, header: { format: 'jpeg', width: 24, height: 16, bitDepth: 8, colorType: 'rgb' } });
  });
});
