/**
 * Files in, a PixelSet out: pair, check headers, decode at the training size, binarise masks.
 * Runs in the worker; decoding is behind `ImageDecoder` so tests can feed pixels directly.
 * Every bad file is reported with its path and reason, and the rest goes on.
 */
import { formatBytes } from '../format';
import { checkComplete } from './complete';
import { emptyPixelSet, keepPairs, pixelSetBytes, type PixelSet } from './dataset';
import { HEADER_BYTES, readImageHeader, type ImageHeader } from './imageHeader';
import { binariseMask } from './masks';
import { pairFiles, type Pair, type Skipped } from './pairing';
import { median } from './stats';

export interface SourceFile {
  path: string;
  blob: Blob;
}

export interface ImageDecoder {
  /** RGBA pixels resized to width x height; rejects with a message saying what is wrong. */
  decode(blob: Blob, width: number, height: number): Promise<Uint8ClampedArray | Uint8Array>;
}

export interface IngestProgress {
  /**
   * Files accounted for (unpaired files at once, each pair's two when it is decoded or refused), of
   * all files given. `ingest` always sets both; optional only so that older hand-made events still type.
   */
  filesDone?: number;
  filesTotal?: number;
  /** Pairs decoded or refused, of all pairs found. */
  done: number;
  total: number;
  pairsPerSecond: number;
  etaSeconds: number;
}

export interface IngestOptions {
  height: number;
  width: number;
  /** Refuse before decoding when pairs x H x W x 4 bytes exceeds this. */
  budgetBytes: number;
  decoder: ImageDecoder;
  onProgress?: (progress: IngestProgress) => void;
  isCancelled?: () => boolean;
  /** Pairs decoded at once (decoding is asynchronous in the browser). */
  concurrency?: number;
}

export interface DatasetSummary {
  files: number;
  pairs: number;
  groups: number;
  /** Distinct source image sizes, most common first. */
  sourceSizes: Array<{ width: number; height: number; count: number }>;
  /** Fraction of car pixels per mask. */
  coverage: { min: number; median: number; max: number };
  /**
   * Each loaded pair's mask and its fraction of car pixels as read at the training size, in pair
   * order. `ingest` always sets it; optional only so that hand-made summaries in tests still type.
   */
  maskCoverage?: Array<{ mask: string; coverage: number }>;
  skipped: number;
  seconds: number;
}

export interface IngestResult {
  set: PixelSet;
  /** The loaded pairs, in the order of `set`. */
  pairs: Pair[];
  skipped: Skipped[];
  /** Pairs that loaded but deserve a look (an empty mask, 0/1 label values). */
  notes: Skipped[];
  summary: DatasetSummary;
}

export const DEFAULT_BUDGET_BYTES = 1024 ** 3;
/** Larger sources are refused before decoding: 100 MP is ~400 MB of RGBA in the decoder. */
export const MAX_SOURCE_PIXELS = 100e6;

export class IngestCancelled extends Error {
  constructor() {
    super('Loading was cancelled.');
  }
}

/** The budget rule, and a message that says what to lower. */
export function checkBudget(pairs: number, height: number, width: number, budgetBytes: number): string | null {
  const bytes = pixelSetBytes(pairs, height, width);
  if (bytes <= budgetBytes) return null;
  const fitPairs = Math.floor(budgetBytes / (height * width * 4));
  return (
    `${pairs} pairs at ${height}x${width} need ${formatBytes(bytes)}, over the memory budget of ${formatBytes(budgetBytes)}. ` +
    `Lower the training size, load at most ${fitPairs} pairs, or raise the budget.`
  );
}

async function inspect(file: SourceFile): Promise<{ header: ImageHeader } | { reason: string }> {
  const head = new Uint8Array(await file.blob.slice(0, HEADER_BYTES).arrayBuffer());
  const result = readImageHeader(head, file.blob.size);
  if (!result.ok) return { reason: result.reason };
  const { width, height, format } = result.header;
  if (width * height > MAX_SOURCE_PIXELS) {
    return { reason: `too large to decode (${width}x${height}, over ${MAX_SOURCE_PIXELS / 1e6} megapixels)` };
  }
  if (format !== 'jpeg' && format !== 'gif') return { header: result.header };
  // The completeness walk needs the whole file; most are within the header read already.
  const whole = file.blob.size <= head.length ? head : new Uint8Array(await file.blob.arrayBuffer());
  const incomplete = checkComplete(whole, format);
  return incomplete ? { reason: incomplete } : { header: result.header };
}

function aspectMismatch(image: ImageHeader, mask: ImageHeader): boolean {
  return Math.abs(image.width / image.height - mask.width / mask.height) > 0.01 * (image.width / image.height);
}

/** min / median / max of per-mask coverages; NaN for none. */
export function coverageRange(values: number[]): DatasetSummary['coverage'] {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN };
  return { min: values.reduce((a, b) => Math.min(a, b)), median: median(values), max: values.reduce((a, b) => Math.max(a, b)) };
}

export async function ingest(files: SourceFile[], options: IngestOptions): Promise<IngestResult> {
  const started = performance.now();
  const { height, width, decoder } = options;
  if (files.length === 0) {
    throw new Error('No files found. Choose a folder with images and masks, e.g. train/ and train_masks/ (Kaggle) or images/ and masks/.');
  }
  const byPath = new Map(files.map((f) => [f.path, f.blob]));
  const { pairs, skipped } = pairFiles(files.map((f) => f.path));
  const budgetProblem = checkBudget(pairs.length, height, width, options.budgetBytes);
  if (budgetProblem) throw new Error(budgetProblem);

  const pixels = height * width;
  const set = emptyPixelSet(pairs.length, height, width);
  const slots: Array<{ pair: Pair; source: ImageHeader; coverage: number } | null> = new Array(pairs.length).fill(null);
  const notes: Skipped[] = [];
  let done = 0;
  let lastReport = 0;
  // Files outside any pair were settled by pairing; each pair settles two more when it is done.
  const unpairedFiles = files.length - 2 * pairs.length;
  const report = (now: number) => {
    lastReport = now;
    const pairsPerSecond = done / ((now - started) / 1000);
    options.onProgress?.({
      filesDone: unpairedFiles + 2 * done,
      filesTotal: files.length,
      done,
      total: pairs.length,
      pairsPerSecond,
      etaSeconds: (pairs.length - done) / pairsPerSecond,
    });
  };

  const loadPair = async (index: number): Promise<void> => {
    const pair = pairs[index];
    const [image, mask] = [
      { path: pair.image, blob: byPath.get(pair.image)! },
      { path: pair.mask, blob: byPath.get(pair.mask)! },
    ];
    const [imageInfo, maskInfo] = await Promise.all([inspect(image), inspect(mask)]);
    if ('reason' in imageInfo || 'reason' in maskInfo) {
      if ('reason' in imageInfo) skipped.push({ file: pair.image, reason: imageInfo.reason });
      if ('reason' in maskInfo) skipped.push({ file: pair.mask, reason: maskInfo.reason });
      // The partner is fine but cannot be used alone: say why, so every file is accounted for.
      if (!('reason' in imageInfo)) skipped.push({ file: pair.image, reason: `its mask ${pair.mask} is unusable` });
      if (!('reason' in maskInfo)) skipped.push({ file: pair.mask, reason: `its image ${pair.image} is unusable` });
      return;
    }
    if (aspectMismatch(imageInfo.header, maskInfo.header)) {
      const reason = `image is ${imageInfo.header.width}x${imageInfo.header.height} but its mask is ${maskInfo.header.width}x${maskInfo.header.height}: the aspect ratios differ`;
      skipped.push({ file: pair.image, reason }, { file: pair.mask, reason });
      return;
    }
    let rgba: Uint8ClampedArray | Uint8Array;
    let maskRgba: Uint8ClampedArray | Uint8Array;
    try {
      rgba = await decoder.decode(image.blob, width, height);
    } catch (error) {
      skipped.push(
        { file: pair.image, reason: `could not decode: ${(error as Error).message}` },
        { file: pair.mask, reason: `its image ${pair.image} could not be decoded` },
      );
      return;
    }
    try {
      maskRgba = await decoder.decode(mask.blob, width, height);
    } catch (error) {
      skipped.push(
        { file: pair.mask, reason: `could not decode: ${(error as Error).message}` },
        { file: pair.image, reason: `its mask ${pair.mask} could not be decoded` },
      );
      return;
    }
    const reading = binariseMask(maskRgba, pixels);
    const out = set.images.subarray(index * pixels * 3, (index + 1) * pixels * 3);
    for (let p = 0; p < pixels; p++) {
      out[p * 3] = rgba[p * 4];
      out[p * 3 + 1] = rgba[p * 4 + 1];
      out[p * 3 + 2] = rgba[p * 4 + 2];
    }
    set.masks.set(reading.mask, index * pixels);
    set.names[index] = pair.stem;
    if (reading.note) notes.push({ file: pair.mask, reason: reading.note });
    slots[index] = { pair, source: imageInfo.header, coverage: reading.coverage };
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      if (options.isCancelled?.()) throw new IngestCancelled();
      const index = next++;
      await loadPair(index);
      done++;
      const now = performance.now();
      if (now - lastReport > 100 || done === pairs.length) report(now);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, Math.max(1, pairs.length)) }, worker));

  const loaded = slots.flatMap((slot, index) => (slot ? [{ ...slot, index }] : []));
  const sizes = new Map<string, { width: number; height: number; count: number }>();
  for (const { source } of loaded) {
    const key = `${source.width}x${source.height}`;
    const entry = sizes.get(key) ?? { width: source.width, height: source.height, count: 0 };
    entry.count++;
    sizes.set(key, entry);
  }
  skipped.sort((a, b) => a.file.localeCompare(b.file));
  return {
    set:
      loaded.length === pairs.length
        ? set
        : keepPairs(
            set,
            loaded.map((l) => l.index),
          ),
    pairs: loaded.map((l) => l.pair),
    skipped,
    notes,
    summary: {
      files: files.length,
      pairs: loaded.length,
      groups: new Set(loaded.map((l) => l.pair.group)).size,
      sourceSizes: [...sizes.values()].sort((a, b) => b.count - a.count),
      coverage: coverageRange(loaded.map((l) => l.coverage)),
      maskCoverage: loaded.map((l) => ({ mask: l.pair.mask, coverage: l.coverage })),
      skipped: new Set(skipped.map((s) => s.file)).size,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
