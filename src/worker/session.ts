/** What the worker holds between requests (the loaded dataset and its split), and the work on it. */
import { coverageRange, ingest, IngestCancelled, type ImageDecoder, type IngestResult } from '../data/ingest';
import { createBrowserDecoder } from '../data/decode';
import { DEFAULT_SPLIT_RATIOS, splitByGroup, type Split, type SplitRatios } from '../data/split';
import type { Pair } from '../data/pairing';
import type { StoredDataset } from './persistence';
import { expandZips } from '../data/zip';
import { maskCoverageOf, pixelSetFingerprint, type PixelSet } from '../data/dataset';
import type { IngestRequest, SplitSummary, Thumbnail, WorkerEvent } from './protocol';

/** Decoded data and its identity by content (see pixelSetFingerprint): what runs and storage know it by. */
export interface LoadedData {
  result: IngestResult;
  fingerprint: string;
}

export interface LoadedDataset extends LoadedData {
  split: Split;
  /** Indices into result.set for each split. */
  indices: { train: number[]; val: number[]; test: number[] };
  splitSummary: SplitSummary;
}

const THUMBNAILS = 8;

function thumbnail(set: PixelSet, index: number): Thumbnail {
  const { width, height } = set;
  const pixels = width * height;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const car = set.masks[index * pixels + p] === 1;
    for (let c = 0; c < 3; c++) {
      const value = set.images[(index * pixels + p) * 3 + c];
      // Tint the car cyan-ish so the mask reads at a glance.
      rgba[p * 4 + c] = car ? Math.round(value * 0.7 + [0, 200, 255][c] * 0.3) : value;
    }
    rgba[p * 4 + 3] = 255;
  }
  return { name: set.names[index], width, height, rgba };
}

export function summariseSplit({ result, fingerprint }: LoadedData, ratios: SplitRatios, seed: number): LoadedDataset {
  const split = splitByGroup(result.pairs, ratios, seed);
  const position = new Map(result.pairs.map((pair, i) => [pair.image, i]));
  const indices = {
    train: split.train.map((p) => position.get(p.image)!),
    val: split.val.map((p) => position.get(p.image)!),
    test: split.test.map((p) => position.get(p.image)!),
  };
  const part = (name: 'train' | 'val' | 'test') => ({ pairs: split[name].length, groups: split.groups[name] });
  const test = { ...part('test'), names: indices.test.map((i) => result.set.names[i]) };
  return { result, fingerprint, split, indices, splitSummary: { ratios, seed, train: part('train'), val: part('val'), test } };
}

/**
 * The data split as a run recorded it (ratios and seed; a record without a split took the defaults),
 * checked against its group ids: a run trains, validates and tests on its own split whatever the
 * session's split is now, or refuses rather than leak test cars into training.
 */
export function splitAs(data: LoadedData, recorded: SplitSummary | null): LoadedDataset {
  const dataset = summariseSplit(data, recorded?.ratios ?? DEFAULT_SPLIT_RATIOS, recorded?.seed ?? 1);
  const parts = ['train', 'val', 'test'] as const;
  if (recorded && parts.some((part) => dataset.splitSummary[part].groups.join('\0') !== recorded[part].groups.join('\0'))) {
    throw new Error("This run's split cannot be rebuilt on the data loaded now (its cars differ): load the data it was trained on.");
  }
  return dataset;
}

export class Session {
  dataset: LoadedDataset | null = null;
  /** Where the loaded files came from ("sample dataset", "folder cars"). */
  source = '';
  /**
   * A cancel cancels every ingest sent before it, queued or running: the client numbers requests in
   * the order it sends them, so "before" is "a smaller id", and a cancel that overtakes its ingest
   * in the worker's queue (cancels skip the queue) still reaches it.
   */
  private cancelledBelow = 0;

  constructor(private readonly decoder: ImageDecoder = createBrowserDecoder()) {}

  cancel(cancelRequestId: number): void {
    this.cancelledBelow = Math.max(this.cancelledBelow, cancelRequestId);
  }

  async ingest(request: IngestRequest, post: (event: WorkerEvent, transfer?: Transferable[]) => void): Promise<void> {
    const { id, height, width, budgetBytes } = request;
    const isCancelled = () => id < this.cancelledBelow;
    if (isCancelled()) throw new IngestCancelled();
    const expanded = await expandZips(request.sources, { budgetBytes });
    const result = await ingest(expanded.files, {
      height,
      width,
      budgetBytes,
      decoder: this.decoder,
      isCancelled,
      onProgress: (progress) => post({ type: 'ingest-progress', id, progress }),
    });
    result.skipped.push(...expanded.skipped);
    const fingerprint = await pixelSetFingerprint(result.set);
    if (isCancelled()) throw new IngestCancelled();
    this.dataset = summariseSplit({ result, fingerprint }, request.split.ratios, request.split.seed);
    this.source = request.label;
    this.announce(id, post);
  }

  /** Sends the page the loaded dataset: summary, thumbnails, skipped files and split. */
  private announce(id: number, post: (event: WorkerEvent, transfer?: Transferable[]) => void): void {
    const dataset = this.dataset!;
    const { result } = dataset;
    const { height, width } = result.set;
    // One thumbnail per car first, so the strip shows variety.
    const firstOfGroup = new Map<string, number>();
    result.pairs.forEach((pair, i) => firstOfGroup.has(pair.group) || firstOfGroup.set(pair.group, i));
    const picks = [...firstOfGroup.values()].slice(0, THUMBNAILS);
    const thumbnails = picks.map((i) => thumbnail(result.set, i));
    post(
      { type: 'dataset', id, label: this.source, summary: result.summary, skipped: result.skipped, notes: result.notes, size: { height, width }, thumbnails },
      thumbnails.map((t) => t.rgba.buffer),
    );
    post({ type: 'split', id, split: dataset.splitSummary });
  }

  /** Takes back a dataset saved in IndexedDB with a run, so the run resumes after a reload. */
  async adopt(
    id: number,
    stored: StoredDataset,
    split: SplitSummary | null,
    post: (event: WorkerEvent, transfer?: Transferable[]) => void,
  ): Promise<LoadedDataset> {
    const { pairs, source } = stored.pairs as { pairs: Pair[]; source: string };
    const set: PixelSet = {
      height: stored.height,
      width: stored.width,
      count: stored.count,
      names: stored.names,
      images: new Uint8Array(stored.images),
      masks: new Uint8Array(stored.masks),
    };
    // The stored masks are the ones read at ingest: their coverage is what ingest reported.
    const maskCoverage = pairs.map((pair, i) => ({ mask: pair.mask, coverage: maskCoverageOf(set, i) }));
    const result: IngestResult = {
      set,
      pairs,
      skipped: [],
      notes: [],
      summary: {
        files: pairs.length * 2,
        pairs: pairs.length,
        groups: new Set(pairs.map((p) => p.group)).size,
        sourceSizes: [],
        coverage: coverageRange(maskCoverage.map((m) => m.coverage)),
        maskCoverage,
        skipped: 0,
        seconds: 0,
      },
    };
    // Hashed again rather than trusted: records stored before content fingerprints are keyed by names.
    this.dataset = splitAs({ result, fingerprint: await pixelSetFingerprint(set) }, split);
    this.source = `${source} (restored from browser storage)`;
    this.announce(id, post);
    return this.dataset;
  }

  resplit(id: number, ratios: SplitRatios, seed: number, post: (event: WorkerEvent) => void): void {
    if (!this.dataset) throw new Error('Load a dataset before splitting it.');
    this.dataset = summariseSplit(this.dataset, ratios, seed);
    post({ type: 'split', id, split: this.dataset.splitSummary });
  }
}
