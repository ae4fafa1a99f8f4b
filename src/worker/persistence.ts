/**
 * The studio's IndexedDB storage (used from the worker): run records, their latest and best
 * checkpoints, and one decoded dataset so a reload can resume without the files.
 * Every failure becomes a StorageError that says what was not saved and what to do.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Metrics } from '../ml/metrics';
import type { PixelSet } from '../data/dataset';
import type { ConfigChange, EpochRecord, Rollback, StepRecord, TrainConfig } from '../ml/train/config';
import type { RunReason, RunStatus } from '../ml/train/contract';
import type { SplitSummary } from './protocol';
import { formatBytes } from '../format';

export const DB_NAME = 'carvana-studio';
const DB_VERSION = 1;
const MiB = 1024 * 1024;
/** Decoded data above this is not kept: browsers evict or refuse big origins, and runs matter more. */
export const DEFAULT_DATASET_CAP = 256 * MiB;

export type CheckpointKind = 'latest' | 'best';
export const CHECKPOINT_KINDS: readonly CheckpointKind[] = ['latest', 'best'];

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  status: RunStatus;
  reason: RunReason | null;
  config: TrainConfig;
  split: SplitSummary | null;
  history: EpochRecord[];
  /** Strictly increasing in step: steps undone by a NaN rollback are dropped (records saved before kept them). */
  steps: StepRecord[];
  /** Where NaN rollbacks dropped steps (absent in records saved before they were kept). */
  rollbacks?: Rollback[];
  changes: ConfigChange[];
  best: { epoch: number; dice: number } | null;
  test: Metrics | null;
  dataset: DatasetRef | null;
  message: string | null;
}

/**
 * A record saved before a run's status and reason were one vocabulary: 'running' stood for every live
 * state, and a paused record that kept a message had been paused by the NaN guard.
 */
export function upgradeRunRecord(record: RunRecord): RunRecord {
  const saved = record as Omit<RunRecord, 'status' | 'reason'> & { status: RunStatus | 'running'; reason?: RunReason | null };
  if (saved.reason !== undefined && saved.status !== 'running') return record;
  const status: RunStatus = saved.status === 'running' ? 'training' : saved.status;
  const reason: RunReason | null = saved.reason ?? (status === 'paused' && record.message ? 'nan' : status === 'failed' ? 'error' : null);
  return { ...record, status, reason };
}

/** The checkpoint's shape belongs to ml/io; storage only needs its key and size. */
export interface StoredCheckpoint<T = unknown> {
  runId: string;
  kind: CheckpointKind;
  bytes: number;
  savedAt: number;
  checkpoint: T;
}

/** A loaded set as IndexedDB keeps it: the PixelSet's own fields (bytes as ArrayBuffers), its identity and its pairs. */
export type StoredDataset = Omit<PixelSet, 'images' | 'masks'> & {
  images: ArrayBuffer;
  masks: ArrayBuffer;
  fingerprint: string;
  savedAt: number;
  pairs: unknown;
};

/** What a run knows of the data it trained on: enough to find it again (by content) and to say what to load. */
export interface DatasetRef {
  fingerprint: string;
  pairs: number;
  height: number;
  width: number;
  source: string;
}

interface StudioSchema extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { updatedAt: number } };
  checkpoints: { key: [string, CheckpointKind]; value: StoredCheckpoint };
  datasets: { key: string; value: StoredDataset };
}

/** A storage failure, worded for the person using the studio. */
export class StorageError extends Error {
  override name = 'StorageError';
}

export interface StudioDb {
  putRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest (most recently updated) first. */
  listRuns(): Promise<RunRecord[]>;
  /** Deletes the run and its checkpoints together. */
  deleteRun(id: string): Promise<void>;
  putCheckpoint<T>(runId: string, kind: CheckpointKind, checkpoint: T, bytes: number): Promise<void>;
  getCheckpoint<T>(runId: string, kind: CheckpointKind): Promise<T | undefined>;
  /** Keeps only this dataset; refuses one over the cap. */
  putDataset(record: StoredDataset): Promise<void>;
  getDataset(fingerprint: string): Promise<StoredDataset | undefined>;
  /** navigator.storage.estimate(), or null where the browser has none. */
  estimate(): Promise<{ usage: number; quota: number } | null>;
  close(): void;
}

export interface OpenOptions {
  /** Largest dataset (image + mask bytes) putDataset accepts. */
  datasetCap?: number;
}

/** What a write was saving, for the message when it fails. */
export interface WriteTarget {
  what: string;
  runId?: string;
  bytes: number;
}

export { formatBytes };

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : undefined;
}

/** Chromium and Safari say QuotaExceededError; old Firefox says NS_ERROR_DOM_QUOTA_REACHED. */
export function isQuotaError(err: unknown): boolean {
  const name = errorName(err);
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/**
 * A write that runs out of space fails its request with AbortError and puts the real reason on the
 * transaction: prefer whichever of the two is a quota error.
 */
export function pickCause(requestError: unknown, transactionError: unknown): unknown {
  if (!isQuotaError(requestError) && isQuotaError(transactionError)) return transactionError;
  return requestError;
}

/** Runs a storage operation and turns any failure into a StorageError naming it. */
export async function withErrors<T>(operation: string, fn: () => Promise<T>, target?: WriteTarget): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StorageError) throw err;
    if (target && isQuotaError(err)) {
      const whose = target.runId === undefined ? '' : ` of run ${target.runId}`;
      throw new StorageError(
        `Browser storage is full: could not save the ${target.what}${whose} (${formatBytes(target.bytes)}). ` +
          `Delete old runs or free disk space; training goes on, but this ${target.what} is not saved.`,
        { cause: err },
      );
    }
    const reason = err instanceof Error ? err.message || errorName(err) : String(err);
    throw new StorageError(`Could not ${operation} in browser storage: ${reason}`, { cause: err });
  }
}

type Db = IDBPDatabase<StudioSchema>;
type Stores = StoreNames<StudioSchema>[];

/**
 * One readwrite transaction. On failure it waits for the transaction to settle so the quota reason,
 * which arrives on the transaction after the request fails, is not lost.
 */
async function write<S extends Stores>(db: Db, stores: S, body: (tx: IDBPTransaction<StudioSchema, S, 'readwrite'>) => Promise<unknown>[]): Promise<void> {
  const tx = db.transaction(stores, 'readwrite');
  try {
    await Promise.all([...body(tx), tx.done]);
  } catch (err) {
    try {
      tx.abort(); // a request that threw synchronously leaves the transaction open
    } catch {
      // Already finished or aborted: the error below is the one to report.
    }
    const txError = await tx.done.then(
      () => null,
      (e: unknown) => e,
    );
    throw pickCause(err, txError);
  }
}

/** Rough size of a JSON-like record, for messages only. */
function approxBytes(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

export async function openStudioDb(name: string = DB_NAME, options: OpenOptions = {}): Promise<StudioDb> {
  const cap = options.datasetCap ?? DEFAULT_DATASET_CAP;
  if (typeof indexedDB === 'undefined') {
    throw new StorageError('Browser storage (IndexedDB) is not available here, so runs cannot be saved; training still works.');
  }
  const db = await withErrors('open the studio database', () =>
    openDB<StudioSchema>(name, DB_VERSION, {
      upgrade(database) {
        const runs = database.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('updatedAt', 'updatedAt');
        database.createObjectStore('checkpoints', { keyPath: ['runId', 'kind'] });
        database.createObjectStore('datasets', { keyPath: 'fingerprint' });
      },
      // Another tab wants a newer version: let it upgrade instead of hanging both.
      blocking() {
        db.close();
      },
    }),
  );

  return {
    putRun: (run) =>
      withErrors(`save run ${run.id}`, () => write(db, ['runs'], (tx) => [tx.objectStore('runs').put(run)]), {
        what: 'record',
        runId: run.id,
        bytes: approxBytes(run),
      }),
    getRun: (id) =>
      withErrors(`read run ${id}`, async () => {
        const record = await db.get('runs', id);
        return record && upgradeRunRecord(record);
      }),
    listRuns: () => withErrors('list runs', async () => (await db.getAllFromIndex('runs', 'updatedAt')).reverse().map(upgradeRunRecord)),
    deleteRun: (id) =>
      withErrors(`delete run ${id}`, () =>
        write(db, ['runs', 'checkpoints'], (tx) => [
          tx.objectStore('runs').delete(id),
          ...CHECKPOINT_KINDS.map((kind) => tx.objectStore('checkpoints').delete([id, kind])),
        ]),
      ),
    putCheckpoint: (runId, kind, checkpoint, bytes) => {
      const record: StoredCheckpoint = { runId, kind, bytes, savedAt: Date.now(), checkpoint };
      return withErrors(`save the ${kind} checkpoint of run ${runId}`, () => write(db, ['checkpoints'], (tx) => [tx.objectStore('checkpoints').put(record)]), {
        what: `${kind} checkpoint`,
        runId,
        bytes,
      });
    },
    getCheckpoint: async <T>(runId: string, kind: CheckpointKind) => {
      const stored = await withErrors(`read the ${kind} checkpoint of run ${runId}`, () => db.get('checkpoints', [runId, kind]));
      return stored?.checkpoint as T | undefined;
    },
    putDataset: async (record) => {
      const bytes = record.images.byteLength + record.masks.byteLength;
      if (bytes > cap) {
        throw new StorageError(
          `The decoded dataset is ${formatBytes(bytes)}, over the ${formatBytes(cap)} kept in browser storage, so it is not saved: ` +
            'training goes on, but after a reload you will need to choose the files again. ' +
            'A smaller input size or fewer images would fit.',
        );
      }
      const target = { what: 'dataset', bytes };
      // Old datasets go first, in their own transaction: space is only freed once it commits,
      // and near the quota the new one may fit only after that.
      await withErrors('remove the previous dataset', async () => {
        const keys = await db.getAllKeys('datasets');
        const stale = keys.filter((key) => key !== record.fingerprint);
        if (stale.length > 0) {
          await write(db, ['datasets'], (tx) => stale.map((key) => tx.objectStore('datasets').delete(key)));
        }
      });
      await withErrors('save the dataset', () => write(db, ['datasets'], (tx) => [tx.objectStore('datasets').put(record)]), target);
    },
    getDataset: (fingerprint) => withErrors('read the saved dataset', () => db.get('datasets', fingerprint)),
    estimate: () =>
      withErrors('estimate the storage in use', async () => {
        const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
        if (!storage?.estimate) return null;
        const { usage, quota } = await storage.estimate();
        return usage === undefined || quota === undefined ? null : { usage, quota };
      }),
    close: () => db.close(),
  };
}

/** Run ids sort by creation time: a zero-padded base-36 timestamp, then randomness. */
export function newRunId(): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).padStart(7, '0');
  return `run-${Date.now().toString(36).padStart(9, '0')}-${random}`;
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;

/**
 * How records saved before content fingerprints (data/dataset.ts pixelSetFingerprint) know their
 * data: FNV-1a (64-bit) over the sorted names and the size, blind to the pixels. Kept only so that
 * those runs still find their data; new records hold the content fingerprint.
 */
export function namesFingerprint(names: readonly string[], height: number, width: number): string {
  const text = `${height}x${width}\0${[...names].sort().join('\0')}`;
  let hash = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV64_PRIME);
  }
  return hash.toString(16).padStart(16, '0');
}

/** A fingerprint of the old kind (16 hex digits); content fingerprints start with "sha256:". */
export function isNamesFingerprint(fingerprint: string): boolean {
  return /^[0-9a-f]{16}$/.test(fingerprint);
}
