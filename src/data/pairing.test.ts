import { describe, expect, it } from 'vitest';
import { groupOf, pairFiles, type Pair } from './pairing';
import { createRng, shuffleInPlace } from './random';

/** The pairs as compact "image -> mask" strings, in output order. */
function links(pairs: Pair[]): string[] {
  return pairs.map((p) => `${p.image} -> ${p.mask}`);
}

describe('pairFiles: layouts that pair', () => {
  const cases: { name: string; paths: string[]; expected: string[] }[] = [
    {
      name: 'Kaggle layout train/ + train_masks/X_mask.gif',
      paths: ['carvana/train/abc_01.jpg', 'carvana/train_masks/abc_01_mask.gif', 'carvana/train/abc_02.jpg', 'carvana/train_masks/abc_02_mask.gif'],
      expected: ['carvana/train/abc_01.jpg -> carvana/train_masks/abc_01_mask.gif', 'carvana/train/abc_02.jpg -> carvana/train_masks/abc_02_mask.gif'],
    },
    {
      name: 'Kaggle layout at the root (zip entries)',
      paths: ['train_masks/x_mask.gif', 'train/x.jpg'],
      expected: ['train/x.jpg -> train_masks/x_mask.gif'],
    },
    {
      name: 'images/ + masks/ with the same file name',
      paths: ['data/images/a.png', 'data/masks/a.png'],
      expected: ['data/images/a.png -> data/masks/a.png'],
    },
    {
      name: 'labels/ folder, different extension',
      paths: ['set/img/a.jpg', 'set/labels/a.png'],
      expected: ['set/img/a.jpg -> set/labels/a.png'],
    },
    {
      name: 'mask/, label/ and gt/ folders',
      paths: ['d/rgb/a.jpg', 'd/mask/a.png', 'd/rgb/b.jpg', 'd/label/b.png', 'd/rgb/c.jpg', 'd/gt/c.png'],
      expected: ['d/rgb/a.jpg -> d/mask/a.png', 'd/rgb/b.jpg -> d/label/b.png', 'd/rgb/c.jpg -> d/gt/c.png'],
    },
    {
      name: 'folders ending in -masks and _labels',
      paths: ['x/photos/a.jpg', 'x/photo-masks/a.png', 'y/photos/b.jpg', 'y/photo_labels/b.png'],
      expected: ['x/photos/a.jpg -> x/photo-masks/a.png', 'y/photos/b.jpg -> y/photo_labels/b.png'],
    },
    {
      name: 'suffix variants in one flat folder',
      paths: ['f/a.jpg', 'f/a_mask.png', 'f/b.jpg', 'f/b-mask.png', 'f/c.jpg', 'f/c_label.png', 'f/d.jpg', 'f/d-label.png'],
      expected: ['f/a.jpg -> f/a_mask.png', 'f/b.jpg -> f/b-mask.png', 'f/c.jpg -> f/c_label.png', 'f/d.jpg -> f/d-label.png'],
    },
    {
      name: 'upper-case extensions, folder and suffix; stems match case-insensitively',
      paths: ['Car/TRAIN/ABC_01.JPG', 'Car/TRAIN_MASKS/abc_01_MASK.GIF', 'Car/Images/Q.JPEG', 'Car/Masks/q.PNG', 'Car/Images/w.WebP', 'Car/Masks/W.Gif'],
      expected: ['Car/TRAIN/ABC_01.JPG -> Car/TRAIN_MASKS/abc_01_MASK.GIF', 'Car/Images/Q.JPEG -> Car/Masks/q.PNG', 'Car/Images/w.WebP -> Car/Masks/W.Gif'],
    },
    {
      name: 'deeply nested folders and Windows separators',
      paths: ['a/b/c/d/train/z.jpg', 'a\\b\\c\\d\\train_masks\\z_mask.gif'],
      expected: ['a/b/c/d/train/z.jpg -> a\\b\\c\\d\\train_masks\\z_mask.gif'],
    },
    {
      name: 'the same stems in two datasets pair within their own folder',
      paths: ['one/train/a.jpg', 'one/train_masks/a_mask.gif', 'two/images/a.png', 'two/masks/a.png'],
      expected: ['one/train/a.jpg -> one/train_masks/a_mask.gif', 'two/images/a.png -> two/masks/a.png'],
    },
  ];

  it.each(cases)('$name', ({ paths, expected }) => {
    const { pairs, skipped } = pairFiles(paths);
    expect(skipped).toEqual([]);
    expect(links(pairs)).toEqual(expected);
  });
});

describe('pairFiles: files that are skipped, with reasons', () => {
  const cases: { name: string; paths: string[]; file: string; reason: RegExp }[] = [
    { name: 'text file', paths: ['d/readme.txt'], file: 'd/readme.txt', reason: /^not an image \(\.txt\)$/ },
    { name: 'csv file', paths: ['train_masks.csv'], file: 'train_masks.csv', reason: /^not an image \(\.csv\)$/ },
    { name: 'no extension', paths: ['d/Makefile'], file: 'd/Makefile', reason: /^not an image \(no extension\)$/ },
    { name: '.DS_Store', paths: ['d/train/.DS_Store'], file: 'd/train/.DS_Store', reason: /^hidden or system file \(\.DS_Store\)$/ },
    { name: 'hidden image', paths: ['d/train/._a.jpg'], file: 'd/train/._a.jpg', reason: /^hidden or system file/ },
    { name: 'file in a hidden folder', paths: ['d/.cache/a.jpg'], file: 'd/.cache/a.jpg', reason: /^inside a hidden folder$/ },
    { name: '__MACOSX entry', paths: ['__MACOSX/train/a.jpg'], file: '__MACOSX/train/a.jpg', reason: /^macOS metadata/ },
    { name: 'tiff is named as unsupported', paths: ['d/a.TIF'], file: 'd/a.TIF', reason: /^unsupported image format \(\.tif\)/ },
    {
      name: 'image without a mask, with a hint naming its stem',
      paths: ['d/train/car_07.jpg'],
      file: 'd/train/car_07.jpg',
      reason: /^no mask found for this image \(expected e\.g\. train_masks\/car_07_mask\.gif or masks\/car_07\.png\)$/,
    },
    { name: 'mask without an image (by folder)', paths: ['d/masks/a.png'], file: 'd/masks/a.png', reason: /^mask has no matching image$/ },
    { name: 'mask without an image (by suffix)', paths: ['d/a_mask.png'], file: 'd/a_mask.png', reason: /^mask has no matching image$/ },
    { name: 'a suffix and nothing else', paths: ['d/_mask.png'], file: 'd/_mask.png', reason: /^no name left/ },
  ];

  it.each(cases)('$name', ({ paths, file, reason }) => {
    const { pairs, skipped } = pairFiles(paths);
    expect(pairs).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.file).toBe(file);
    expect(skipped[0]!.reason).toMatch(reason);
  });

  it('junk never stops the rest from pairing', () => {
    const { pairs, skipped } = pairFiles(['d/notes.txt', 'd/train/a.jpg', 'd/.DS_Store', 'd/train_masks/a_mask.gif', 'd/train/b.jpg']);
    expect(links(pairs)).toEqual(['d/train/a.jpg -> d/train_masks/a_mask.gif']);
    expect(skipped.map((s) => s.file)).toEqual(['d/.DS_Store', 'd/notes.txt', 'd/train/b.jpg']);
  });

  it('ignores folder entries (trailing slash) without reporting them', () => {
    const result = pairFiles(['d/', 'd/train/', 'd/train/a.jpg', 'd/masks/a.png']);
    expect(result.skipped).toEqual([]);
    expect(result.pairs).toHaveLength(1);
  });
});

describe('pairFiles: duplicates', () => {
  it('two images with one stem in one folder: keeps the first, names it in the other reason', () => {
    const { pairs, skipped } = pairFiles(['d/images/a.png', 'd/images/a.jpg', 'd/masks/a.png']);
    expect(links(pairs)).toEqual(['d/images/a.jpg -> d/masks/a.png']);
    expect(skipped).toEqual([{ file: 'd/images/a.png', reason: 'duplicate name: d/images/a.jpg already pairs with d/masks/a.png' }]);
  });

  it('stems differing only in case are duplicates', () => {
    const { pairs, skipped } = pairFiles(['d/train/A.jpg', 'd/train/a.jpg', 'd/train_masks/a_mask.gif']);
    expect(pairs).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toContain(pairs[0]!.image);
  });

  it('two masks for one image: the second is skipped naming the first', () => {
    const { pairs, skipped } = pairFiles(['d/img/a.jpg', 'd/masks/a.png', 'd/img/a_mask.png']);
    expect(links(pairs)).toEqual(['d/img/a.jpg -> d/img/a_mask.png']);
    expect(skipped).toEqual([{ file: 'd/masks/a.png', reason: 'duplicate name: d/img/a_mask.png is already the mask of d/img/a.jpg' }]);
  });

  it('a second dataset image without its own mask does not steal the first dataset mask', () => {
    const { pairs, skipped } = pairFiles(['b/train/x.jpg', 'a/train/x.jpg', 'a/train_masks/x_mask.gif']);
    expect(links(pairs)).toEqual(['a/train/x.jpg -> a/train_masks/x_mask.gif']);
    expect(skipped.map((s) => s.file)).toEqual(['b/train/x.jpg']);
    expect(skipped[0]!.reason).toContain('a/train/x.jpg');
  });
});

describe('pairFiles: output order and groups', () => {
  const carIds = ['0cdf5b5d0ce1', 'fff9b3a5373f', '11acdfc4f1e7'];
  const paths = carIds.flatMap((id) => ['01', '02', '16'].flatMap((angle) => [`c/train/${id}_${angle}.jpg`, `c/train_masks/${id}_${angle}_mask.gif`]));

  it('sorts pairs by stem whatever the input order', () => {
    const expectedStems = carIds.flatMap((id) => ['01', '02', '16'].map((a) => `${id}_${a}`)).sort();
    for (const seed of [1, 2, 3]) {
      const { pairs } = pairFiles(shuffleInPlace([...paths], createRng(seed)));
      expect(pairs.map((p) => p.stem)).toEqual(expectedStems);
    }
  });

  it('gives all 16 angles of one car the same group', () => {
    const { pairs } = pairFiles(paths);
    expect(new Set(pairs.map((p) => p.group))).toEqual(new Set(carIds));
  });
});

describe('groupOf', () => {
  it.each([
    ['0cdf5b5d0ce1_01', '0cdf5b5d0ce1'],
    ['0CDF5B5D0CE1_16', '0cdf5b5d0ce1'],
    ['0cdf5b5d0ce1_1', '0cdf5b5d0ce1_1'],
    ['0cdf5b5d0ce_01', '0cdf5b5d0ce_01'],
    ['zzzzzzzzzzzz_01', 'zzzzzzzzzzzz_01'],
    ['photo-42', 'photo-42'],
  ])('%s -> %s', (stem, group) => {
    expect(groupOf(stem)).toBe(group);
  });
});
