/** Which data a run resumes on: known by content, so other pixels under the same names are not its data. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pixelSetFingerprint, subset, type SplitView } from '../data/dataset';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import { namesFingerprint, openStudioDb } from './persistence';
import { CONFIG, H, W, harness, savedRun, trainerData, until } from './runs.fixtures';
import { summariseSplit } from './session';

afterEach(() => vi.restoreAllMocks());

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('the data a run resumes on', () => {
  it('is its own stored data when files of the same names and size now hold other pixels', async () => {
    const seen = trainerData();
    const { manager, of, status, session } = await harness();
    await manager.start(1, { ...CONFIG, epochs: 1 }, 'content');
    await until(() => status().includes('done'), 'the first run to finish');
    const runId = of('run-started')[0].run.id;
    await savedRun(runId, 'done');

    // The same 24 names at the same size; one pixel of one photo differs.
    const original = session.dataset!;
    const changed = { ...original.result, set: subset(original.result.set, range(24)) };
    changed.set.images[100] ^= 0xff;
    expect(changed.set.names).toEqual(original.result.set.names);
    session.dataset = summariseSplit({ result: changed, fingerprint: await pixelSetFingerprint(changed.set) }, DEFAULT_SPLIT_RATIOS, 1);
    expect(session.dataset.fingerprint).not.toBe(original.fingerprint);

    await manager.resume(2, runId, 1);
    await until(() => status().filter((s) => s === 'done').length === 2, 'the continued run to finish');
    const trained = (seen[1].train as SplitView).set;
    expect(trained).not.toBe(changed.set);
    expect(trained.images).toEqual(original.result.set.images);
    expect(trained.masks).toEqual(original.result.set.masks);
    expect(of('dataset').at(-1)!.label).toBe('ellipses (restored from browser storage)');
  });

  it('of a record from before content fingerprints (names and size only) is still found, loaded or stored', async () => {
    const seen = trainerData();
    const { manager, of, status, session } = await harness();
    await manager.start(1, { ...CONFIG, epochs: 1 }, 'legacy');
    await until(() => status().includes('done'), 'the first run to finish');
    const runId = of('run-started')[0].run.id;
    const { run } = await savedRun(runId, 'done');
    const loaded = session.dataset!;
    const { set, pairs } = loaded.result;
    const legacy = namesFingerprint(set.names, H, W);
    expect(legacy).toMatch(/^[0-9a-f]{16}$/);
    const db = await openStudioDb();
    try {
      await db.putRun({ ...run, dataset: { ...run.dataset!, fingerprint: legacy } });
      // Stored as the old code stored it: keyed by the names fingerprint.
      await db.putDataset({
        fingerprint: legacy,
        savedAt: 1,
        height: H,
        width: W,
        count: set.count,
        names: set.names,
        images: set.images.slice().buffer,
        masks: set.masks.slice().buffer,
        pairs: { pairs, source: 'ellipses' },
      });
    } finally {
      db.close();
    }

    // The same files loaded: they are the run's by names, as the record can tell no more.
    await manager.resume(2, runId, 1);
    await until(() => status().filter((s) => s === 'done').length === 2, 'the first resume to finish');
    expect((seen[1].train as SplitView).set).toBe(set);

    // Nothing loaded (a reload): the stored copy under the old key comes back, identified by content.
    await savedRun(runId, 'done');
    session.dataset = null;
    await manager.resume(3, runId, 1);
    await until(() => status().filter((s) => s === 'done').length === 3, 'the second resume to finish');
    expect((seen[2].train as SplitView).set.images).toEqual(set.images);
    expect(session.dataset!.fingerprint).toBe(loaded.fingerprint);
  });
});
