import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg } from './encode';
import { checkBudget, ingest, IngestCancelled, type ImageDecoder, type SourceFile } from './ingest';

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

  it('reports progress up to done = total, and can be cancelled', async () => {
    const files = Array.from({ length: 6 }, (_, i) => pair(`ffffffffffff_0${i + 1}`)).flat();
    const seen: number[] = [];
    await ingest(files, { ...options, onProgress: (p) => seen.push(p.done) });
    expect(seen[seen.length - 1]).toBe(6);
    let calls = 0;
    await expect(ingest(files, { ...options, isCancelled: () => ++calls > 2 })).rejects.toBeInstanceOf(IngestCancelled);
  });
});
