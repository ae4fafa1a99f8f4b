/** Typed messages between the page and the training worker. Requests carry an id that replies echo. */
import type { DatasetSummary, IngestProgress } from '../data/ingest';
import type { Skipped } from '../data/pairing';
import type { SplitRatios } from '../data/split';
import type { BackendChoice, BackendPreference } from '../ml/backend';
import type { PresetName } from '../ml/model/presets';

/** A file handed to the worker: Blobs (and Files) are cloned by reference, not copied. */
export interface SourceEntry {
  path: string;
  blob: Blob;
}

export interface DemoTrainRequest {
  type: 'demo-train';
  id: number;
  preset: PresetName;
  steps: number;
  batchSize: number;
  seed: number;
  /** Train on the loaded dataset's train split, or on generated ellipses when none is loaded. */
  useDataset: boolean;
}

export interface IngestRequest {
  type: 'ingest';
  id: number;
  sources: SourceEntry[];
  height: number;
  width: number;
  budgetBytes: number;
  split: { ratios: SplitRatios; seed: number };
}

export type Request =
  | { type: 'init'; id: number; backend: BackendPreference }
  | DemoTrainRequest
  | { type: 'stop'; id: number }
  | IngestRequest
  | { type: 'cancel-ingest'; id: number }
  | { type: 'split'; id: number; ratios: SplitRatios; seed: number };

/** A small RGBA preview: the photo with its mask tinted. */
export interface Thumbnail {
  name: string;
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export interface SplitPart {
  pairs: number;
  groups: string[];
}

export interface SplitSummary {
  ratios: SplitRatios;
  seed: number;
  train: SplitPart;
  val: SplitPart;
  test: SplitPart;
}

export type WorkerEvent =
  | { type: 'ready'; id: number; choice: BackendChoice }
  | { type: 'progress'; id: number; phase: 'building' | 'compiling' | 'training'; message: string }
  | { type: 'step'; id: number; step: number; loss: number; ms: number; numTensors: number }
  | { type: 'done'; id: number; steps: number; medianMs: number; params: number }
  | { type: 'ingest-progress'; id: number; progress: IngestProgress }
  | {
      type: 'dataset';
      id: number;
      summary: DatasetSummary;
      skipped: Skipped[];
      notes: Skipped[];
      size: { height: number; width: number };
      thumbnails: Thumbnail[];
    }
  | { type: 'split'; id: number; split: SplitSummary }
  | { type: 'error'; id: number; message: string; request?: Request['type'] };

/** Compile-time exhaustiveness for switches over the unions above. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
