import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg } from './encode';
import { checkBudget, ingest, IngestCancelled, type ImageDecoder, type IngestProgress, type SourceFile } from './ingest';

// Node has no createImageBitmap: this decoder does what the browser adapter promises (RGBA at the
// requested size) with jpeg-js and nearest-neighbour sampling.
const jpegDecoder: ImageDecoder = {
  async decode(blob, width, height) {
    const source = decodeJpeg(new Uint8Array(await blob.arrayBuffer()));
    const out = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sy = Math.floor((y * source.height) / height);
        const sx = Math.floor((x * source.width) / width);
        for (let c = 0; c < 3; c++) out[(y * width + x) * 4 + c] = source.rgb[(sy * source.width + sx) * 3 + c];
        out[(y * width + x) * 4 + 3] = 255;
      }
    }
    return out;
  },
};

/** A W x H photo: left half red (the "car"), right half blue; its mask: left half white. */
function pair(stem: string, width = 24, height = 16, maskWidth = width, maskHeight = height): SourceFile[] {
  const rgb = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(maskWidth * maskHeight * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(x < width / 2 ? [220, 30, 30] : [30, 30, 220], (y * width + x) * 3);
  for (let y = 0; y < maskHeight; y++) for (let x = 0; x < maskWidth; x++) mask.set(x < maskWidth / 2 ? [255, 255, 255] : [0, 0, 0], (y * maskWidth + x) * 3);
  return [
    { path: `train/${stem}.jpg`, blob: new Blob([encodeJpeg(rgb, width, height) as Uint8Array<ArrayBuffer>]) },
    { path: `train_masks/${stem}_mask.jpg`, blob: new Blob([encodeJpeg(mask, maskWidth, maskHeight) as Uint8Array<ArrayBuffer>]) },
  ];
}

const options = { height: 16, width: 24, budgetBytes: 1024 ** 3, decoder: jpegDecoder };

describe('ingest', () => {
  it('loads good pairs as Uint8 pixels at the training size with {0,1} masks', async () => {
    const files = [...pair('aaaaaaaaaaaa_01'), ...pair('aaaaaaaaaaaa_02'), ...pair('bbbbbbbbbbbb_01')];
    const result = await ingest(files, options);
    expect(result.summary).toMatchObject({ files: 6, pairs: 3, groups: 2, skipped: 0 });
    expect(result.summary.sourceSizes).toEqual([{ width: 24, height: 16, count: 3 }]);
    expect(result.set.images).toHaveLength(3 * 16 * 24 * 3);
    expect(result.set.names).toEqual(['aaaaaaaaaaaa_01', 'aaaaaaaaaaaa_02', 'bbbbbbbbbbbb_01']);
    // Left half is car in every mask: coverage exactly 0.5, and the red channel is high where the mask is 1.
    expect(result.summary.coverage).toEqual({ min: 0.5, median: 0.5, max: 0.5 });
    for (let p = 0; p < 16 * 24; p++) {
      const car = result.set.masks[p];
      expect(car === 1).toBe(result.set.images[p * 3] > 127);
    }
  });

  it('reports every bad file by name with its reason, and loads the rest', async () => {
    const good = pair('cccccccccccc_01');
    const truncated = pair('cccccccccccc_02');
    const truncatedBytes = new Uint8Array(await truncated[0].blob.arrayBuffer());
    truncated[0] = { path: truncated[0].path, blob: new Blob([truncatedBytes.slice(0, Math.floor(truncatedBytes.length * 0.6))]) };
    const files: SourceFile[] = [
      ...good,
      ...truncated,
      { path: 'train/empty_01.jpg', blob: new Blob([]) },
      pair('empty_01')[1],
      ...pair('wide_01', 24, 16, 16, 16),
      { path: 'train/notes.txt', blob: new Blob(['hello']) },
      pair('lonely_01')[0],
    ];
    const result = await ingest(files, options);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.file, s.reason]));
    expect(result.summary.pairs).toBe(1);
    expect(reasons['train/cccccccccccc_02.jpg']).toMatch(/truncated or corrupt JPEG/);
    expect(reasons['train/empty_01.jpg']).toMatch(/empty file \(0 bytes\)/);
    expect(reasons['train_masks/empty_01_mask.jpg']).toMatch(/its image train\/empty_01.jpg is unusable/);
    expect(reasons['train/wide_01.jpg']).toMatch(/24x16 but its mask is 16x16: the aspect ratios differ/);
    expect(reasons['train/notes.txt']).toMatch(/not an image/);
    expect(reasons['train/lonely_01.jpg']).toMatch(/no mask found/);
  });

  it('says which file the decoder could not read', async () => {
    const files = pair('dddddddddddd_01');
    const decoder: ImageDecoder = {
      decode: (blob, w, h) => (blob === files[0].blob ? Promise.reject(new Error('bad Huffman table')) : jpegDecoder.decode(blob, w, h)),
    };
    const result = await ingest(files, { ...options, decoder });
    expect(result.summary.pairs).toBe(0);
    expect(result.skipped).toContainEqual({ file: 'train/dddddddddddd_01.jpg', reason: 'could not decode: bad Huffman table' });
    expect(result.skipped).toContainEqual({ file: 'train_masks/dddddddddddd_01_mask.jpg', reason: 'its image train/dddddddddddd_01.jpg could not be decoded' });
  });

  it('refuses a dataset over the memory budget before decoding, saying what to lower', async () => {
    expect(checkBudget(5088, 128, 192, 1024 ** 3)).toBeNull(); // 500 MB as Uint8: fits in 1 GiB
    const message = checkBudget(5088, 256, 384, 1024 ** 3);
    expect(message).toMatch(/5088 pairs at 256x384 need 1.86 GiB, over the memory budget of 1.00 GiB/);
    expect(message).toMatch(/Lower the training size, load at most 2730 pairs, or raise the budget/);
    await expect(ingest(pair('eeeeeeeeeeee_01'), { ...options, budgetBytes: 100 })).rejects.toThrow(/over the memory budget/);
  });

  it('explains an empty selection', async () => {
    await expect(ingest([], options)).rejects.toThrow(/No files found/);
  });

  it('reports progress as files done of all files, pairs/s and ETA, and can be cancelled', async () => {
    // 6 pairs (12 files) and 3 files no pair takes: 15 files in all, 3 of them settled by pairing alone.
    const files = [
      ...Array.from({ length: 6 }, (_, i) => pair(`ffffffffffff_0${i + 1}`)).flat(),
      { path: 'train/readme.txt', blob: new Blob(['x']) },
      { path: 'train/.DS_Store', blob: new Blob(['x']) },
      pair('ffffffffffff_09')[0],
    ];
    const seen: IngestProgress[] = [];
    await ingest(files, { ...options, concurrency: 1, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) {
      expect(p.filesTotal).toBe(15);
      expect(p.filesDone).toBe(3 + 2 * p.done); // each decoded pair settles its two files
      expect(p.total).toBe(6);
      expect(p.pairsPerSecond).toBeGreaterThan(0);
      expect(p.etaSeconds).toBeCloseTo((6 - p.done) / p.pairsPerSecond, 9);
    }
    expect(seen[seen.length - 1]).toMatchObject({ filesDone: 15, filesTotal: 15, done: 6, etaSeconds: 0 });
    const filesDone = seen.map((p) => p.filesDone ?? -1);
    expect(filesDone).toEqual([...filesDone].sort((a, b) => a - b)); // never goes back
    let calls = 0;
    await expect(ingest(files, { ...options, isCancelled: () => ++calls > 2 })).rejects.toBeInstanceOf(IngestCancelled);
  });

  it('reports each loaded mask with its coverage, in pair order', async () => {
    // Masks whose left 1/2, 1/4 (6 of 24 columns) and 3/4 is white.
    const files = [...pair('gggggggggggg_01'), ...pair('gggggggggggg_02'), ...pair('gggggggggggg_03')];
    const column = (fraction: number) => {
      const mask = new Uint8Array(24 * 16 * 3);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 24 * fraction; x++) mask.set([255, 255, 255], (y * 24 + x) * 3);
      return new Blob([encodeJpeg(mask, 24, 16) as Uint8Array<ArrayBuffer>]);
    };
    files[3] = { path: files[3].path, blob: column(0.25) };
    files[5] = { path: files[5].path, blob: column(0.75) };
    const { summary } = await ingest(files, options);
    expect(summary.maskCoverage?.map((m) => m.mask)).toEqual(['01', '02', '03'].map((n) => `train_masks/gggggggggggg_${n}_mask.jpg`));
    const byMask = Object.fromEntries((summary.maskCoverage ?? []).map((m) => [m.mask.slice(-11, -9), m.coverage]));
    // JPEG ringing can flip the odd pixel at the edge: within 1 column (1/24) of the drawn fraction.
    expect(Math.abs(byMask['01'] - 0.5)).toBeLessThanOrEqual(1 / 24);
    expect(Math.abs(byMask['02'] - 0.25)).toBeLessThanOrEqual(1 / 24);
    expect(Math.abs(byMask['03'] - 0.75)).toBeLessThanOrEqual(1 / 24);
    expect(summary.coverage).toEqual({ min: byMask['02'], median: byMask['01'], max: byMask['03'] });
  });

  it('loads a JPEG with bytes after its end marker, as phones write them', async () => {
    const files = pair('hhhhhhhhhhhh_01');
    const bytes = new Uint8Array(await files[0].blob.arrayBuffer());
    files[0] = { path: files[0].path, blob: new Blob([bytes, new TextEncoder().encode('SEFH trailer')]) };
    const result = await ingest(files, options);
    expect(result.skipped).toEqual([]);
    expect(result.summary.pairs).toBe(1);
  });
});
