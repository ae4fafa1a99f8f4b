import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANGLES_PER_GOOD_CAR, GOOD_CARS, HUGE_SIDE, JUNK_FILES, writeBadCorpus, writeEmptyFolder, type CorpusManifest } from '../e2e/harness/corpus';
import { crc32, encodePng } from '../e2e/harness/png';
import { encodeJpeg, encodeMaskGif } from '../src/data/encode';
import { readImageHeader, type HeaderResult } from '../src/data/imageHeader';
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
    for (const problem of ['corrupt-jpeg', 'truncated-jpeg']) {
      expect(header(caseOf(problem).file)).toMatchObject({ ok: true, header: { format: 'jpeg', width: 192, height: 128 } });
    }
    for (const problem of ['corrupt-gif-mask', 'truncated-gif-mask']) {
      expect(header(caseOf(problem).file)).toMatchObject({ ok: true, header: { format: 'gif', width: 192, height: 128 } });
    }
    expect(header(caseOf('empty-image').file)).toEqual({ ok: false, reason: 'empty file (0 bytes)' });
    expect(header('notes.txt')).toEqual({ ok: false, reason: 'not an image (unrecognised content)' });
  });

  it('gives the aspect-mismatch pair a 1.5:1 image and a square mask', () => {
    const c = caseOf('aspect-mismatch');
    expect(header(c.partner!)).toMatchObject({ ok: true, header: { width: 192, height: 128 } });
    expect(header(c.file)).toMatchObject({ ok: true, header: { format: 'gif', width: 128, height: 128 } });
  });

  it.each([
    ['png-mask-grey', 'grey', 8],
    ['png-mask-rgba-alpha', 'rgba', 8],
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
    for (const problem of ['corrupt-jpeg', 'truncated-jpeg', 'corrupt-gif-mask', 'truncated-gif-mask', 'empty-image', 'empty-mask', 'aspect-mismatch', 'image-without-mask', 'mask-without-image', 'not-an-image', 'system-file', 'many-junk-files']) {
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
    for (let at = 8; at < png.length; ) {
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
    expect(() => encodePng({ width: 1, height: 1, colorType: 'palette', bitDepth: 8, data: Uint8Array.from([2]), palette: [[0, 0, 0]] })).toThrow('past the 1-entry palette');
  });
});
