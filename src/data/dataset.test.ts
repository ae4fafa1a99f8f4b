import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { makeBatch, sequentialBatches } from './batches';
import { emptyPixelSet, keepPairs, maskCoverageOf, pairImage, pairMask, pixelSetBytes, pixelSetFingerprint, splitView, subset } from './dataset';
import { ellipseDataset } from './shapes';

describe('PixelSet helpers', () => {
  it('counts 4 bytes a pixel: 5,088 pairs at 128x192 are 500,170,752 bytes', () => {
    expect(pixelSetBytes(5088, 128, 192)).toBe(5088 * 128 * 192 * 4);
    expect(pixelSetBytes(5088, 128, 192)).toBe(500_170_752);
    const set = emptyPixelSet(3, 2, 5);
    expect(set.images.length + set.masks.length).toBe(pixelSetBytes(3, 2, 5));
  });

  it('gives each mask its own coverage, and subset keeps pairs with their masks', () => {
    const set = emptyPixelSet(3, 2, 2);
    set.masks.set([1, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 1, 1, 1, 0]);
    set.names.splice(0, 3, 'a', 'b', 'c');
    expect([0, 1, 2].map((i) => maskCoverageOf(set, i))).toEqual([0.25, 0, 0.75]);
    const picked = subset(set, [2, 0]);
    expect(picked.names).toEqual(['c', 'a']);
    expect([0, 1].map((i) => maskCoverageOf(picked, i))).toEqual([0.75, 0.25]);
    expect([0, 1].map((i) => maskCoverageOf(splitView(set, [2, 0]), i))).toEqual([0.75, 0.25]);
  });
});

describe('splitView', () => {
  const set = ellipseDataset(10, 8, 12, 5);
  const indices = [7, 2, 9, 0];

  it("reads the set's own bytes: no copy of any pixel", () => {
    const view = splitView(set, indices);
    expect(view.set).toBe(set);
    expect([view.count, view.height, view.width]).toEqual([4, 8, 12]);
    expect(view.names).toEqual(['ellipse_007', 'ellipse_002', 'ellipse_009', 'ellipse_000']);
    indices.forEach((source, k) => {
      const [image, mask] = [pairImage(view, k), pairMask(view, k)];
      expect(image.buffer).toBe(set.images.buffer);
      expect(mask.buffer).toBe(set.masks.buffer);
      expect(image.byteOffset).toBe(source * 8 * 12 * 3);
      expect(mask.byteOffset).toBe(source * 8 * 12);
    });
    // A write through the set shows through the view: they are one memory.
    const before = set.images[2 * 8 * 12 * 3];
    set.images[2 * 8 * 12 * 3] = before ^ 0xff;
    expect(pairImage(view, 1)[0]).toBe(before ^ 0xff);
    set.images[2 * 8 * 12 * 3] = before;
  });

  it('batches from a view equal batches from the copied subset', async () => {
    const [view, copy] = [splitView(set, indices), subset(set, indices)];
    for (const order of [
      [0, 1, 2, 3],
      [3, 1],
      [2, 2, 0],
    ]) {
      const [a, b] = [makeBatch(view, order), makeBatch(copy, order)];
      expect(a.x.shape).toEqual([order.length, 8, 12, 3]);
      expect(await a.x.data()).toEqual(await b.x.data());
      expect(await a.y.data()).toEqual(await b.y.data());
      tf.dispose([a.x, a.y, b.x, b.y]);
    }
    const [fromView, fromCopy] = [[...sequentialBatches(view, 3)], [...sequentialBatches(copy, 3)]];
    expect(fromView.map((b) => b.x.shape[0])).toEqual([3, 1]);
    for (let i = 0; i < fromView.length; i++) expect(await fromView[i].x.data()).toEqual(await fromCopy[i].x.data());
    tf.dispose([...fromView, ...fromCopy].flatMap((b) => [b.x, b.y]));
  });

  it('refuses a position outside the set', () => {
    expect(() => splitView(set, [0, 10])).toThrow('Pair 10 is not in a set of 10.');
  });
});

describe('keepPairs', () => {
  it('moves the kept pairs to the front of the same buffers', () => {
    const set = ellipseDataset(5, 4, 6, 2);
    const expected = subset(set, [1, 3, 4]);
    const kept = keepPairs(set, [1, 3, 4]);
    expect(kept.images.buffer).toBe(set.images.buffer);
    expect(kept.masks.buffer).toBe(set.masks.buffer);
    expect(kept.names).toEqual(['ellipse_001', 'ellipse_003', 'ellipse_004']);
    expect(kept.images).toEqual(expected.images);
    expect(kept.masks).toEqual(expected.masks);
  });
});

describe('pixelSetFingerprint', () => {
  it('changes with one pixel under the same names and size, and not with the order of pairs', async () => {
    const set = ellipseDataset(6, 8, 12, 4);
    const fp = await pixelSetFingerprint(set);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await pixelSetFingerprint(subset(set, [5, 4, 3, 2, 1, 0]))).toBe(fp);
    const image = subset(set, [0, 1, 2, 3, 4, 5]);
    image.images[3 * 8 * 12 * 3 + 40] ^= 1;
    const mask = subset(set, [0, 1, 2, 3, 4, 5]);
    mask.masks[5 * 8 * 12 + 7] ^= 1;
    expect(image.names).toEqual(set.names);
    const [imageFp, maskFp] = [await pixelSetFingerprint(image), await pixelSetFingerprint(mask)];
    expect(new Set([fp, imageFp, maskFp]).size).toBe(3);
  });

  it('is SHA-256 of the size and the sorted per-pair lines, as documented', async () => {
    const set = emptyPixelSet(1, 1, 1);
    set.names[0] = 'a';
    set.images.set([1, 2, 3]);
    set.masks.set([1]);
    // Computed apart with Node's crypto module, not SubtleCrypto.
    const { createHash } = await import('node:crypto');
    const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
    const line = `a\0${sha(Uint8Array.from([1, 2, 3]))}\0${sha(Uint8Array.from([1]))}`;
    expect(await pixelSetFingerprint(set)).toBe(`sha256:${sha(`1x1\n${line}`)}`);
  });
});
