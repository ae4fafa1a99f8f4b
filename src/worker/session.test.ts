/** The worker's session: loading (and cancelling loads) as the dispatcher drives it. */
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../data/encode';
import { IngestCancelled, type ImageDecoder } from '../data/ingest';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import type { IngestRequest, WorkerEvent } from './protocol';
import { ellipseResult } from './runs.fixtures';
import { Session, splitAs, summariseSplit } from './session';

const [H, W] = [8, 12];
const jpeg = new Blob([encodeJpeg(new Uint8Array(W * H * 3).fill(200), W, H) as Uint8Array<ArrayBuffer>]);

/** Node cannot decode: every image reads as mid grey with its left half white (the mask's car). */
function fakeDecoder(onDecode: () => void = () => undefined): ImageDecoder {
  return {
    async decode(_blob, width, height) {
      onDecode();
      const rgba = new Uint8ClampedArray(width * height * 4).fill(128);
      for (let p = 0; p < width * height; p++) if (p % width < width / 2) rgba.fill(255, p * 4, p * 4 + 4);
      return rgba;
    },
  };
}

function request(id: number, cars = 3): IngestRequest {
  const sources = Array.from({ length: cars }, (_, i) => [
    { path: `train/car${i}aaaaaaaa_01.jpg`, blob: jpeg },
    { path: `train_masks/car${i}aaaaaaaa_01_mask.jpg`, blob: jpeg },
  ]).flat();
  return { type: 'ingest', id, label: 'test', sources, height: H, width: W, budgetBytes: 1 << 20, split: { ratios: DEFAULT_SPLIT_RATIOS, seed: 1 } };
}

describe('Session ingest and cancel', () => {
  it('a cancel that arrives while an ingest waits in the queue cancels it when it starts; a later ingest loads', async () => {
    const session = new Session(fakeDecoder());
    const events: WorkerEvent[] = [];
    // The dispatcher runs cancels at once and ingests in turn: ingest 4 is queued when cancel 5 runs.
    session.cancel(5);
    await expect(session.ingest(request(4), (e) => events.push(e))).rejects.toBeInstanceOf(IngestCancelled);
    expect(session.dataset).toBeNull();
    expect(events.map((e) => e.type)).toEqual([]);

    await session.ingest(request(6), (e) => events.push(e));
    expect(session.dataset!.result.set.count).toBe(3);
    expect(events.filter((e) => e.type === 'dataset')).toHaveLength(1);
  });

  it('a cancel during an ingest stops it and keeps the data loaded before', async () => {
    let decodes = 0;
    let cancelAtFirstDecode = false;
    const session: Session = new Session(fakeDecoder(() => ++decodes === 1 && cancelAtFirstDecode && session.cancel(8)));
    await session.ingest(request(2, 2), () => undefined);
    const before = session.dataset;
    [decodes, cancelAtFirstDecode] = [0, true];
    await expect(session.ingest(request(7, 40), () => undefined)).rejects.toBeInstanceOf(IngestCancelled);
    expect(decodes).toBeLessThan(2 * 40);
    expect(session.dataset).toBe(before);
  });
});

describe('splitAs', () => {
  const data = { result: ellipseResult(), fingerprint: 'sha256:test' };

  it('rebuilds a recorded split from its ratios and seed, whatever split the data has now', () => {
    const recorded = summariseSplit(data, DEFAULT_SPLIT_RATIOS, 3).splitSummary;
    const rebuilt = splitAs(summariseSplit(data, DEFAULT_SPLIT_RATIOS, 9), recorded);
    expect(rebuilt.splitSummary).toEqual(recorded);
    // Pair i is car i % 8: every pair of a test car, and only those, is in test.
    const testCars = new Set(recorded.test.groups);
    expect(rebuilt.indices.test.sort((a, b) => a - b)).toEqual([...Array(24).keys()].filter((i) => testCars.has(`car${i % 8}`)));
    expect(splitAs(data, null).splitSummary).toMatchObject({ ratios: DEFAULT_SPLIT_RATIOS, seed: 1 });
  });

  it('refuses when the recorded cars are not the ones the data splits into', () => {
    const recorded = summariseSplit(data, DEFAULT_SPLIT_RATIOS, 3).splitSummary;
    const moved = { ...recorded, test: { ...recorded.test, groups: ['car9'] } };
    expect(() => splitAs(data, moved)).toThrow("This run's split cannot be rebuilt on the data loaded now (its cars differ): load the data it was trained on.");
  });
});

describe('Session ingest of a zip', () => {
  it("checks a dropped archive's declared sizes against the load's memory budget, naming the archive", async () => {
    const { zipSync } = await import('fflate');
    // 4 MiB of zeros deflate to a few KiB: only the declared size can tell.
    const bomb = zipSync({ 'train/bomb0000000a_01.jpg': new Uint8Array(4 << 20) });
    const load = { ...request(3), budgetBytes: 1 << 20 };
    load.sources = [...load.sources, { path: 'bomb.zip', blob: new Blob([bomb as Uint8Array<ArrayBuffer>]) }];
    const events: WorkerEvent[] = [];
    const session = new Session(fakeDecoder());
    await session.ingest(load, (e) => events.push(e));
    const dataset = events.find((e) => e.type === 'dataset');
    expect(dataset?.type === 'dataset' && dataset.skipped.find((s) => s.file === 'bomb.zip')?.reason).toMatch(/4\.0 MiB.*memory budget of 1\.0 MiB/);
    expect(session.dataset!.result.set.count).toBe(3);
  });
});
