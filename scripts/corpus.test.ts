import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANGLES_PER_GOOD_CAR,
  GOOD_CARS,
  HUGE_SIDE,
  JUNK_FILES,
  maskExpectation,
  writeBadCorpus,
  writeEmptyFolder,
  type CorpusManifest,
} from '../e2e/harness/corpus';
import { crc32, encodePng } from '../e2e/harness/png';
import { encodeJpeg, encodeMaskGif } from '../src/data/encode';
import { checkComplete } from '../src/data/complete';
import { readImageHeader, type HeaderResult } from '../src/data/imageHeader';
import { binariseMask } from '../src/data/masks';
import { pairFiles } from '../src/data/pairing';
import { renderCarScene } from '../src/data/synthetic';

let root: string;
let dir: string;
let manifest: CorpusManifest;
let elapsedMs: number;

/** Every file under `base`, relative, '/'-separated. */
function listFiles(base: string, prefix = ''): string[] {
  return readdirSync(join(base, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(base, rel) : [rel];
  });
}

const header = (file: string): HeaderResult => {
  const bytes = readFileSync(join(dir, file));
  return readImageHeader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.length);
};
const caseOf = (problem: string) => {
  const found = manifest.cases.find((c) => c.problem === problem);
  if (!found) throw new Error(`no case ${problem} in the manifest`);
  return found;
};
const sizeOf = (file: string) => statSync(join(dir, file)).size;
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(dir, file)));

/** The chunks of a PNG by type (IDAT joined). */
function pngChunks(png: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = new Map<string, Uint8Array>();
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const before = chunks.get(type);
    chunks.set(type, before ? Uint8Array.from([...before, ...data]) : data);
    at += 12 + length;
  }
  return chunks;
}

/** The samples of an 8-bit PNG written by encodePng (filter 0 on every row). */
function pngSamples(png: Uint8Array, channels: number): Uint8Array {
  const width = new DataView(png.buffer, png.byteOffset).getUint32(16);
  const raw = unzlibSync(pngChunks(png).get('IDAT')!);
  const row = width * channels;
  const rows = raw.length / (row + 1);
  const out = new Uint8Array(rows * row);
  for (let y = 0; y < rows; y++) out.set(raw.subarray(y * (row + 1) + 1, (y + 1) * (row + 1)), y * row);
  return out;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'corpus-'));
  dir = join(root, 'data');
  const start = performance.now();
  manifest = writeBadCorpus(dir);
  elapsedMs = performance.now() - start;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeBadCorpus', () => {
  it('is quick enough to run before every e2e spec', () => {
    console.log(`writeBadCorpus: ${Math.round(elapsedMs)} ms, ${manifest.totalFiles} files`);
    expect(elapsedMs).toBeLessThan(20_000);
  });

  it('lists files that exist, and counts every file on disk', () => {
    const onDisk = listFiles(dir);
    expect(onDisk).toHaveLength(manifest.totalFiles);
    for (const c of manifest.cases) {
      expect(existsSync(join(dir, c.file)), c.file).toBe(true);
      if (c.partner) expect(existsSync(join(dir, c.partner)), c.partner).toBe(true);
    }
    expect(listFiles(dir, 'junk')).toHaveLength(JUNK_FILES);
    expect(new Set(manifest.cases.map((c) => c.problem)).size).toBe(manifest.cases.length);
  });

  it('pairs as the manifest says: every loading pair and every bad-half pair pairs, orphans do not', () => {
    const { pairs } = pairFiles(listFiles(dir));
    const plainPairs = GOOD_CARS.length * ANGLES_PER_GOOD_CAR;
    const loadingCases = manifest.cases.filter((c) => c.expect !== 'skipped');
    expect(manifest.goodPairs).toBe(plainPairs + loadingCases.length);
    expect(plainPairs).toBeGreaterThanOrEqual(16);
    // By name, each case with a partner is a pair; content decides whether it loads.
    const paired = manifest.cases.filter((c) => c.partner);
    expect(pairs).toHaveLength(plainPairs + paired.length);
    expect(new Set(pairs.filter((p) => /^[0-9a-f]{12}_\d\d$/.test(p.stem)).map((p) => p.group)).size).toBe(GOOD_CARS.length);
    const pairedFiles = new Set(pairs.flatMap((p) => [p.image, p.mask]));
    expect(pairedFiles.has(caseOf('image-without-mask').file)).toBe(false);
    expect(pairedFiles.has(caseOf('mask-without-image').file)).toBe(false);
  });

  it('writes 0-byte files as 0 bytes and truncated files shorter than their source', () => {
    expect(sizeOf(caseOf('empty-image').file)).toBe(0);
    expect(sizeOf(caseOf('empty-mask').file)).toBe(0);
    const { rgb, mask } = renderCarScene({ carSeed: 13, angleIndex: 3, width: 192, height: 128 });
    const jpeg = encodeJpeg(rgb, 192, 128, 85);
    const gif = encodeMaskGif(mask, 192, 128);
    expect(sizeOf(caseOf('truncated-jpeg').file)).toBe(Math.floor(jpeg.length * 0.4));
    expect(sizeOf(caseOf('truncated-gif-mask').file)).toBe(Math.floor(gif.length * 0.4));
    expect(sizeOf(caseOf('corrupt-jpeg').file)).toBe(jpeg.length);
  });

  it('keeps headers readable where only decoding can catch the damage', () => {
    for (const problem of ['corrupt-jpeg', 'truncated-jpeg', 'undecodable-jpeg', 'jpeg-with-trailing-bytes']) {
      expect(header(caseOf(problem).file)).toMatchObject({ ok: true, header: { format: 'jpeg', width: 192, height: 128 } });
    }
    for (const problem of ['corrupt-gif-mask', 'truncated-gif-mask', 'undecodable-gif-mask', 'gif-mask-without-trailer']) {
      expect(header(caseOf(problem).file)).toMatchObject({ ok: true, header: { format: 'gif', width: 192, height: 128 } });
    }
    expect(header(caseOf('empty-image').file)).toEqual({ ok: false, reason: 'empty file (0 bytes)' });
    expect(header('notes.txt')).toEqual({ ok: false, reason: 'not an image (unrecognised content)' });
  });

  it('makes the undecodable files look whole: the completeness check passes them, only decoding can refuse them', () => {
    const good = { jpeg: bytesOf(caseOf('undecodable-gif-mask').partner!), gif: bytesOf(caseOf('undecodable-jpeg').partner!) };
    const badJpeg = bytesOf(caseOf('undecodable-jpeg').file);
    const badGif = bytesOf(caseOf('undecodable-gif-mask').file);
    expect(checkComplete(badJpeg, 'jpeg')).toBeNull();
    expect(checkComplete(badGif, 'gif')).toBeNull();
    expect(checkComplete(good.jpeg, 'jpeg')).toBeNull();
    // Same length as their sources, and different only where said: 16 Huffman counts, the LZW bytes.
    expect(badJpeg).toHaveLength(good.jpeg.length);
    const jpegChanged = [...badJpeg.keys()].filter((i) => badJpeg[i] !== good.jpeg[i]);
    expect(jpegChanged.length).toBeGreaterThan(0);
    expect(jpegChanged.length).toBeLessThanOrEqual(16);
    const dht = good.jpeg.findIndex((b, i) => b === 0xff && good.jpeg[i + 1] === 0xc4);
    expect(jpegChanged.every((i) => i >= dht + 5 && i < dht + 21)).toBe(true);
    const counts = badJpeg.subarray(dht + 5, dht + 21).reduce((a, b) => a + b, 0);
    expect(counts).toBeGreaterThan(256); // more codes than a Huffman table can hold
    expect(badGif).toHaveLength(good.gif.length);
    expect(badGif[badGif.length - 1]).toBe(0x3b);
    expect([...badGif.subarray(0, 19)]).toEqual([...good.gif.subarray(0, 19)]); // header, screen, colour table
  });

  it('writes whole files with what browsers accept at their end: bytes after the JPEG marker, a GIF without trailer', () => {
    const trailing = bytesOf(caseOf('jpeg-with-trailing-bytes').file);
    const whole = bytesOf(caseOf('undecodable-gif-mask').partner!); // the same JPEG without the trailer
    expect([...trailing.subarray(0, whole.length)]).toEqual([...whole]);
    expect(trailing.length).toBeGreaterThan(whole.length);
    expect(trailing[trailing.length - 1]).not.toBe(0xd9);
    expect(checkComplete(trailing, 'jpeg')).toBeNull();
    const noTrailer = bytesOf(caseOf('gif-mask-without-trailer').file);
    expect(noTrailer[noTrailer.length - 1]).not.toBe(0x3b);
    expect(checkComplete(noTrailer, 'gif')).toBeNull();
  });

  it('records what every mask that must load may read as', () => {
    expect(Object.keys(manifest.masks)).toHaveLength(manifest.goodPairs);
    const { mask } = renderCarScene({ carSeed: 13, angleIndex: 3, width: 192, height: 128 });
    const source = maskExpectation(mask, 192, 128);
    expect(source.written).toBeGreaterThan(0.1);
    expect(source.min).toBeLessThan(source.written);
    expect(source.max).toBeGreaterThan(source.written);
    expect(source.max - source.min).toBeLessThan(0.1); // the outline band is narrow: a misread mask falls outside
    for (const problem of [
      'png-mask-grey',
      'png-mask-rgba-alpha',
      'png-mask-rgba-opaque',
      'png-mask-palette',
      'png-mask-grey-16bit',
      'gif-mask-without-trailer',
    ]) {
      expect(manifest.masks[caseOf(problem).file], problem).toEqual(source);
    }
    expect(manifest.masks[caseOf('jpeg-with-trailing-bytes').partner!]).toEqual(source);
    expect(manifest.masks[caseOf('empty-mask-content').file]).toEqual({ written: 0, min: 0, max: 0 });
    // The huge mask's rectangle (rows 1/4..3/4, columns 1/8..7/8) falls on cell edges at 32x48: exactly 1/2 x 3/4.
    expect(manifest.masks[caseOf('huge-image').partner!]).toEqual({ written: 0.375, min: 0.375, max: 0.375 });
    // The grey PNG holds exactly the recorded coverage.
    const grey = pngSamples(bytesOf(caseOf('png-mask-grey').file), 1);
    expect(grey.filter((v) => v > 127).length / grey.length).toBe(source.written);
  });

  it('bounds a mask by its cells: all-car cells and cells with any car', () => {
    // 4x4 mask read at 2x2: cell (0,0) all car, (0,1) one car pixel, (1,0) none, (1,1) all car.
    const mask = Uint8Array.from([255, 255, 0, 0, 255, 255, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255]);
    expect(maskExpectation(mask, 4, 4, { height: 2, width: 2 })).toEqual({ written: 9 / 16, min: 2 / 4, max: 3 / 4 });
    // 3 columns read at 2: the middle column belongs to both cells.
    expect(maskExpectation(Uint8Array.from([255, 0, 0]), 3, 1, { height: 1, width: 2 })).toEqual({ written: 1 / 3, min: 0, max: 1 / 2 });
  });

  it('writes the RGBA cut-out so that only alpha says where the car is', () => {
    const rgba = pngSamples(bytesOf(caseOf('png-mask-rgba-alpha').file), 4);
    const pixels = rgba.length / 4;
    let darkCar = 0;
    let whiteBackground = 0;
    for (let p = 0; p < pixels; p++) {
      const [r, g, b, a] = rgba.subarray(p * 4, p * 4 + 4);
      if (a === 255 && Math.max(r!, g!, b!) <= 127) darkCar++;
      if (a === 0 && r === 255 && g === 255 && b === 255) whiteBackground++;
    }
    // A value rule would read dark car pixels as background and the white background as car.
    expect(darkCar).toBeGreaterThan(0.05 * pixels);
    expect(whiteBackground).toBe(pixels * (1 - manifest.masks[caseOf('png-mask-rgba-alpha').file]!.written));
    // The studio's rule (canvas hands transparent pixels back as 0,0,0,0) reads the written coverage.
    const asCanvas = rgba.map((v, i) => (rgba[i - (i % 4) + 3] === 0 ? 0 : v));
    expect(binariseMask(asCanvas, pixels).coverage).toBe(manifest.masks[caseOf('png-mask-rgba-alpha').file]!.written);
    const opaque = pngSamples(bytesOf(caseOf('png-mask-rgba-opaque').file), 4);
    expect(binariseMask(opaque, pixels).coverage).toBe(manifest.masks[caseOf('png-mask-rgba-opaque').file]!.written);
  });

  it('gives the aspect-mismatch pair a 1.5:1 image and a square mask', () => {
    const c = caseOf('aspect-mismatch');
    expect(header(c.partner!)).toMatchObject({ ok: true, header: { width: 192, height: 128 } });
    expect(header(c.file)).toMatchObject({ ok: true, header: { format: 'gif', width: 128, height: 128 } });
  });

  it.each([
    ['png-mask-grey', 'grey', 8],
    ['png-mask-rgba-alpha', 'rgba', 8],
    ['png-mask-rgba-opaque', 'rgba', 8],
    ['png-mask-palette', 'palette', 8],
    ['png-mask-grey-16bit', 'grey', 16],
  ])('writes %s as a %s %d-bit PNG named _mask.png', (problem, colorType, bitDepth) => {
    const c = caseOf(problem);
    expect(c.file).toMatch(/^train_masks\/.+_mask\.png$/);
    expect(c.expect).toBe('loaded');
    expect(header(c.file)).toEqual({ ok: true, header: { format: 'png', width: 192, height: 128, bitDepth, colorType } });
  });

  it('writes the 8000x8000 pair small on disk, with matching sizes', () => {
    const c = caseOf('huge-image');
    expect(header(c.file)).toMatchObject({ ok: true, header: { format: 'png', width: HUGE_SIDE, height: HUGE_SIDE } });
    expect(header(c.partner!)).toMatchObject({ ok: true, header: { format: 'png', width: HUGE_SIDE, height: HUGE_SIDE, colorType: 'grey' } });
    expect(sizeOf(c.file) + sizeOf(c.partner!)).toBeLessThan(1_000_000);
  });

  it('marks the all-background mask as loading with a note, and everything broken as skipped', () => {
    expect(caseOf('empty-mask-content').expect).toBe('loaded-with-note');
    for (const problem of [
      'corrupt-jpeg',
      'truncated-jpeg',
      'corrupt-gif-mask',
      'truncated-gif-mask',
      'undecodable-jpeg',
      'undecodable-gif-mask',
      'empty-image',
      'empty-mask',
      'aspect-mismatch',
      'image-without-mask',
      'mask-without-image',
      'not-an-image',
      'system-file',
      'many-junk-files',
    ]) {
      expect(caseOf(problem).expect, problem).toBe('skipped');
    }
  });

  it('refuses a folder that already holds files, so totalFiles stays exact', () => {
    const used = join(root, 'used');
    writeEmptyFolder(used);
    writeFileSync(join(used, 'x.txt'), 'x');
    expect(() => writeBadCorpus(used)).toThrow('needs an empty folder');
  });
});

describe('writeEmptyFolder', () => {
  it('creates a folder with nothing in it', () => {
    const empty = join(root, 'nested', 'empty');
    writeEmptyFolder(empty);
    expect(statSync(empty).isDirectory()).toBe(true);
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('encodePng', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('stores rows with filter 0 and 16-bit samples big-endian, and checksums every chunk', () => {
    const png = encodePng({ width: 2, height: 2, colorType: 'grey', bitDepth: 16, data: Uint16Array.from([0x0102, 0xfffe, 0, 0x8000]) });
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    const chunks = new Map<string, Uint8Array>();
    for (let at = 8; at < png.length;) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
      expect(view.getUint32(at + 8 + length), type).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.set(type, png.subarray(at + 8, at + 8 + length));
      at += 12 + length;
    }
    expect([...chunks.keys()]).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([...unzlibSync(chunks.get('IDAT')!)]).toEqual([0, 1, 2, 0xff, 0xfe, 0, 0, 0, 0x80, 0]);
  });

  it('refuses data that does not fit the size, and palette indices past the palette', () => {
    expect(() => encodePng({ width: 2, height: 2, colorType: 'rgb', bitDepth: 8, data: new Uint8Array(4) })).toThrow('needs 12 samples');
    expect(() => encodePng({ width: 1, height: 1, colorType: 'palette', bitDepth: 8, data: Uint8Array.from([2]), palette: [[0, 0, 0]] })).toThrow(
      'past the 1-entry palette',
    );
  });
});
