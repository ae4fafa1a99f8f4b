import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pairFiles } from '../src/data/pairing';
import { parseSampleArgs, UsageError, writeSample } from './sample';

describe('parseSampleArgs', () => {
  it('applies the defaults', () => {
    expect(parseSampleArgs(['--out', 'x'])).toEqual({ out: 'x', cars: 8, width: 192, height: 128, seed: 1 });
  });

  it('reads every flag', () => {
    expect(parseSampleArgs(['--size', '1918x1280', '--cars', '2', '--seed', '7', '--out', 'd'])).toEqual({
      out: 'd',
      cars: 2,
      width: 1918,
      height: 1280,
      seed: 7,
    });
  });

  it.each([
    [[], /--out DIR is required/],
    [['--out'], /--out needs a value/],
    [['--out', 'd', '--cars', '0'], /--cars must be a whole number/],
    [['--out', 'd', '--cars', '2.5'], /--cars must be a whole number/],
    [['--out', 'd', '--size', '192'], /--size must be WIDTHxHEIGHT/],
    [['--out', 'd', '--size', '4x4'], /--size must be WIDTHxHEIGHT/],
    [['--out', 'd', '--seed', 'abc'], /--seed must be a whole number/],
    [['--out', 'd', '--colour', 'red'], /unknown argument "--colour"/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseSampleArgs(argv)).toThrow(UsageError);
    expect(() => parseSampleArgs(argv)).toThrow(message);
  });
});

describe('writeSample', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sample-test-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes 16 Carvana-named pairs per car that pairFiles pairs completely', () => {
    const out = tempDir();
    const index = writeSample({ out, cars: 2, width: 48, height: 32, seed: 3 });
    expect(index.files).toHaveLength(64);
    expect(readdirSync(join(out, 'train'))).toHaveLength(32);
    expect(readdirSync(join(out, 'train_masks'))).toHaveLength(32);
    expect(JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'))).toEqual(index);

    const { pairs, skipped } = pairFiles(index.files);
    expect(skipped).toEqual([]);
    expect(pairs).toHaveLength(32);
    expect(new Set(pairs.map((p) => p.group)).size).toBe(2);
    for (const pair of pairs) expect(pair.stem).toMatch(/^[0-9a-f]{12}_(0[1-9]|1[0-6])$/);
  });

  it('is reproducible from the seed', () => {
    const a = tempDir();
    const b = tempDir();
    writeSample({ out: a, cars: 1, width: 48, height: 32, seed: 5 });
    const index = writeSample({ out: b, cars: 1, width: 48, height: 32, seed: 5 });
    for (const file of index.files) expect(readFileSync(join(a, file)).equals(readFileSync(join(b, file)))).toBe(true);
  });

  it('replaces its own earlier output but refuses folders holding other files', () => {
    const out = tempDir();
    writeSample({ out, cars: 2, width: 48, height: 32, seed: 1 });
    writeSample({ out, cars: 1, width: 48, height: 32, seed: 2 });
    expect(readdirSync(join(out, 'train'))).toHaveLength(16);

    const foreign = tempDir();
    mkdirSync(join(foreign, 'train'));
    writeFileSync(join(foreign, 'train', 'mine.jpg'), 'x');
    expect(() => writeSample({ out: foreign, cars: 1, width: 48, height: 32, seed: 1 })).toThrow(/did not write/);
  });
});
