import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../ml/train/config';
import {
  isNamesFingerprint,
  namesFingerprint,
  newRunId,
  openStudioDb,
  pickCause,
  StorageError,
  withErrors,
  type RunRecord,
  type StoredDataset,
  type StudioDb,
} from './persistence';

let dbCount = 0;
const opened: StudioDb[] = [];

/** A fresh database per test, so tests share nothing. */
async function freshDb(datasetCap?: number): Promise<StudioDb> {
  const db = await openStudioDb(`studio-test-${++dbCount}`, { datasetCap });
  opened.push(db);
  return db;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  for (const db of opened.splice(0)) db.close();
});

function run(id: string, updatedAt: number): RunRecord {
  return {
    id,
    name: `run ${id}`,
    createdAt: 1000,
    updatedAt,
    status: 'training',
    reason: null,
    config: DEFAULT_TRAIN_CONFIG,
    split: null,
    history: [
      {
        epoch: 1,
        step: 10,
        trainLoss: 0.5,
        valLoss: 0.4,
        learningRate: 1e-3,
        seconds: 3,
        imagesPerSecond: 12,
        dice: 0.9,
        iou: 0.82,
        precision: 0.91,
        recall: 0.89,
        accuracy: 0.97,
      },
    ],
    steps: [{ step: 1, loss: 0.7, learningRate: 1e-3 }],
    changes: [{ step: 5, epoch: 1, field: 'learningRate', from: 1e-3, to: 5e-4 }],
    best: { epoch: 1, dice: 0.9 },
    test: null,
    dataset: { fingerprint: 'abc', pairs: 32, height: 32, width: 48, source: 'sample' },
    message: null,
  };
}

function bytes(n: number, seed: number): ArrayBuffer {
  const view = new Uint8Array(n);
  for (let i = 0; i < n; i++) view[i] = (i * 31 + seed) & 255;
  return view.buffer;
}

function dataset(fingerprint: string, imageBytes = 96): StoredDataset {
  return {
    fingerprint,
    savedAt: 1,
    height: 4,
    width: 8,
    count: 1,
    names: ['a'],
    images: bytes(imageBytes, 1),
    masks: bytes(imageBytes / 3, 2),
    pairs: [{ name: 'a' }],
  };
}

describe('runs', () => {
  it('round-trips a run record', async () => {
    const db = await freshDb();
    const record = run('run-1', 2000);
    await db.putRun(record);
    expect(await db.getRun('run-1')).toEqual(record);
    expect(await db.getRun('missing')).toBeUndefined();
  });

  it('reads a record saved before status and reason were one vocabulary in the new words', async () => {
    const db = await freshDb();
    const legacy = (id: string, status: string, message: string | null) => {
      const { reason: _reason, ...rest } = run(id, 1000);
      return { ...rest, status, message } as unknown as RunRecord;
    };
    await db.putRun(legacy('live', 'running', null));
    await db.putRun(legacy('nan', 'paused', 'The loss became NaN at step 7'));
    await db.putRun(legacy('user', 'paused', null));
    await db.putRun(legacy('broke', 'failed', 'Out of memory'));
    const read = async (id: string) => {
      const record = (await db.getRun(id))!;
      return [record.status, record.reason];
    };
    expect(await read('live')).toEqual(['training', null]);
    expect(await read('nan')).toEqual(['paused', 'nan']);
    expect(await read('user')).toEqual(['paused', null]);
    expect(await read('broke')).toEqual(['failed', 'error']);
    expect((await db.listRuns()).map((r) => r.status).sort()).toEqual(['failed', 'paused', 'paused', 'training']);
  });

  it('lists runs newest first by updatedAt', async () => {
    const db = await freshDb();
    await db.putRun(run('a', 3000));
    await db.putRun(run('b', 1000));
    await db.putRun(run('c', 2000));
    expect((await db.listRuns()).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    await db.putRun({ ...run('b', 1000), updatedAt: 4000 }); // an update moves it to the top
    expect((await db.listRuns()).map((r) => r.id)).toEqual(['b', 'a', 'c']);
  });

  it('deleteRun removes the run and its checkpoints, and only those', async () => {
    const db = await freshDb();
    await db.putRun(run('a', 1));
    await db.putRun(run('b', 2));
    await db.putCheckpoint('a', 'latest', { n: 1 }, 10);
    await db.putCheckpoint('a', 'best', { n: 2 }, 10);
    await db.putCheckpoint('b', 'latest', { n: 3 }, 10);
    await db.deleteRun('a');
    expect(await db.getRun('a')).toBeUndefined();
    expect(await db.getCheckpoint('a', 'latest')).toBeUndefined();
    expect(await db.getCheckpoint('a', 'best')).toBeUndefined();
    expect(await db.getCheckpoint('b', 'latest')).toEqual({ n: 3 });
    expect((await db.listRuns()).map((r) => r.id)).toEqual(['b']);
  });
});

describe('checkpoints', () => {
  it('round-trips ArrayBuffers byte-exact, latest and best apart', async () => {
    const db = await freshDb();
    const weights = new Float32Array([1.5, -2.25, Math.PI, 1e-30, Number.NaN]).buffer;
    const checkpoint = {
      modelTopology: { class_name: 'Model' },
      weightSpecs: [{ name: 'w', shape: [5], dtype: 'float32' }],
      weights,
      optimizer: { config: { name: 'adam' }, specs: [], data: bytes(1000, 7) },
      epoch: 3,
      step: 30,
      savedAt: '2026-01-01T00:00:00Z',
    };
    await db.putCheckpoint('r', 'latest', checkpoint, weights.byteLength);
    await db.putCheckpoint('r', 'best', { ...checkpoint, epoch: 2 }, weights.byteLength);
    const back = await db.getCheckpoint<typeof checkpoint>('r', 'latest');
    expect(back?.weights).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(back!.weights)).toEqual(new Uint8Array(weights));
    expect(new Uint8Array(back!.optimizer.data)).toEqual(new Uint8Array(bytes(1000, 7)));
    expect(back).toEqual(checkpoint);
    expect((await db.getCheckpoint<typeof checkpoint>('r', 'best'))?.epoch).toBe(2);
  });
});

describe('datasets', () => {
  it('keeps only the last saved dataset', async () => {
    const db = await freshDb();
    await db.putDataset(dataset('first'));
    await db.putDataset(dataset('second'));
    expect(await db.getDataset('first')).toBeUndefined();
    const back = await db.getDataset('second');
    expect(new Uint8Array(back!.images)).toEqual(new Uint8Array(bytes(96, 1)));
    expect(back?.pairs).toEqual([{ name: 'a' }]);
    await db.putDataset(dataset('second')); // saving the same one again keeps it
    expect(await db.getDataset('second')).toBeDefined();
  });

  it('refuses a dataset over the cap, keeping the previous one, with a message', async () => {
    const db = await freshDb(1000);
    await db.putDataset(dataset('small', 96));
    await expect(db.putDataset(dataset('big', 3 * 1024))).rejects.toBeInstanceOf(StorageError);
    await expect(db.putDataset(dataset('big', 3 * 1024))).rejects.toThrow(
      /dataset is 4\.0 KiB, over the 1000 B kept in browser storage.*choose the files again/,
    );
    expect(await db.getDataset('small')).toBeDefined();
  });
});

describe('errors', () => {
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  it('maps a quota error thrown by put to an actionable message', async () => {
    const db = await freshDb();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw quota();
    });
    await expect(db.putCheckpoint('run-x', 'best', { a: 1 }, 3 * 1024 * 1024)).rejects.toThrow(
      'Browser storage is full: could not save the best checkpoint of run run-x (3.0 MiB). ' +
        'Delete old runs or free disk space; training goes on, but this best checkpoint is not saved.',
    );
    await expect(db.putRun(run('run-y', 1))).rejects.toThrow(/could not save the record of run run-y \(\d/);
    vi.restoreAllMocks();
    // The database still works afterwards.
    await db.putRun(run('run-y', 1));
    expect((await db.getRun('run-y'))?.id).toBe('run-y');
  });

  it('maps an aborted transaction whose error is QuotaExceededError', async () => {
    const db = await freshDb();
    const realPut = IDBObjectStore.prototype.put;
    // What a browser does when the commit runs out of space: the request fails with AbortError
    // and the transaction carries the quota error.
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      const request = realPut.apply(this, args);
      Object.defineProperty(this.transaction, 'error', { value: quota(), configurable: true });
      this.transaction.abort();
      return request;
    });
    await expect(db.putCheckpoint('run-z', 'latest', {}, 2048)).rejects.toThrow(
      /^Browser storage is full: could not save the latest checkpoint of run run-z \(2\.0 KiB\)/,
    );
  });

  it('names the operation for other failures and never swallows them', async () => {
    const boom = withErrors('read run r', () => Promise.reject(new TypeError('bad key')));
    await expect(boom).rejects.toThrow('Could not read run r in browser storage: bad key');
    const target = { what: 'dataset', bytes: 10 };
    const failed = withErrors('save the dataset', () => Promise.reject(new DOMException('x', 'DataCloneError')), target);
    await expect(failed).rejects.toBeInstanceOf(StorageError);
    await expect(withErrors('x', () => Promise.reject(quota()), target)).rejects.toThrow('Browser storage is full: could not save the dataset (10 B).');
    await expect(withErrors('x', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('prefers the quota error among request and transaction errors', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(pickCause(abort, quota())).toHaveProperty('name', 'QuotaExceededError');
    expect(pickCause(abort, null)).toBe(abort);
    expect(pickCause(quota(), abort)).toHaveProperty('name', 'QuotaExceededError');
  });

  it('reports no estimate where the runtime has no navigator.storage', async () => {
    const db = await freshDb();
    vi.stubGlobal('navigator', {});
    await expect(db.estimate()).resolves.toBeNull();
    vi.stubGlobal('navigator', { storage: { estimate: () => Promise.resolve({ usage: 5, quota: 100 }) } });
    await expect(db.estimate()).resolves.toEqual({ usage: 5, quota: 100 });
  });
});

describe('ids and fingerprints', () => {
  it('newRunId is unique and sorts by creation time', () => {
    vi.spyOn(Date, 'now').mockReturnValueOnce(1_700_000_000_000).mockReturnValueOnce(1_700_000_000_001);
    const first = newRunId();
    const second = newRunId();
    expect(first).toMatch(/^run-[0-9a-z]{9}-[0-9a-z]{7}$/);
    expect([second, first].sort()).toEqual([first, second]);
    expect(new Set(Array.from({ length: 100 }, newRunId)).size).toBe(100);
  });

  it('namesFingerprint (of records saved before content fingerprints) is stable, order-free and sensitive to names and size', () => {
    const names = ['00087a6bd4dc_01', '00087a6bd4dc_02', '02159e548029_01'];
    const fp = namesFingerprint(names, 128, 192);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(namesFingerprint([...names].reverse(), 128, 192)).toBe(fp);
    expect(namesFingerprint(names, 192, 128)).not.toBe(fp);
    expect(namesFingerprint(names.slice(1), 128, 192)).not.toBe(fp);
    // Pinned (computed apart, in Python): a change to the hash would orphan every saved dataset.
    expect(fp).toBe('9c8690539b186e63');
    expect(namesFingerprint([], 0, 0)).toBe('a82c4dfafee0482d');
    expect(isNamesFingerprint(fp)).toBe(true);
    expect(isNamesFingerprint(`sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});
