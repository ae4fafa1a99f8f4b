/** Typed messages between the page and the training worker. Requests carry an id that replies echo. */
import type { DatasetSummary, IngestProgress, SourceFile } from '../data/ingest';
import type { Skipped } from '../data/pairing';
import type { SplitRatios } from '../data/split';
import type { BackendChoice, BackendPreference } from '../ml/backend';
import type { PresetName } from '../ml/model/presets';
import type { ConfigChange, EpochRecord, LiveSettings, StepReport, TrainConfig } from '../ml/train/config';
import type { ProbabilityMap } from '../ml/train/predict';
import type { Candidate, RunPlan } from '../ml/train/recipe';
import type { RunState, TestResult } from '../ml/train/contract';
import type { OutsideRequests } from './outsideRequests';
import type { RunRecord } from './persistence';

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
  /** Where the files came from, for the summary and the run record. */
  label: string;
  /** Blobs (and Files) are cloned by reference, not copied. */
  sources: SourceFile[];
  height: number;
  width: number;
  budgetBytes: number;
  split: { ratios: SplitRatios; seed: number };
}

export type RunAction = 'pause' | 'resume' | 'stop';

/** "Best model in N minutes": time the backends ('auto') and the recipe's candidates on the loaded data, then choose (ml/train/recipe.ts). */
export interface PlanRunRequest {
  type: 'plan-run';
  id: number;
  minutes: number;
  /** The backend setting: 'auto' times the backends again; another is kept as it is. */
  backend: BackendPreference;
  /** Settings the person fixed (the CLI's --preset, --size, --batch; the page's size when it cannot decode the files again). */
  fixed?: Partial<Candidate>;
  /** A learning rate the person fixed (the CLI's --lr). */
  learningRate?: number;
}

export type Request =
  | {
      type: 'init';
      id: number;
      backend: BackendPreference;
      /** XNNPACK threads for wasm (needs cross-origin isolation); 0 or absent: auto. */
      wasmThreads?: number;
      /** Cores auto leaves to the page: PAGE_SPARE_CORES for the studio, 0 (or absent) headless. */
      spareCores?: number;
    }
  | DemoTrainRequest
  | { type: 'stop'; id: number }
  | IngestRequest
  | { type: 'cancel-ingest'; id: number }
  | { type: 'split'; id: number; ratios: SplitRatios; seed: number }
  | { type: 'train-start'; id: number; config: TrainConfig; name: string; /** Fine-tune the imported model instead of a new one. */ fromImported?: boolean }
  | { type: 'train-control'; id: number; action: RunAction }
  | { type: 'train-update'; id: number; settings: Partial<LiveSettings> }
  | { type: 'overlays-now'; id: number }
  | { type: 'test-now'; id: number; /** The run's own threshold when absent. */ threshold?: number }
  /** The current model's prediction on one test image, with its photo and truth, for a test-table row. */
  | { type: 'inspect-test'; id: number; name: string }
  /** The model as it stands ('latest'), or the checkpoint with the best validation Dice ('best'); as the zip ('zip', the default), a bare ONNX file or the PyTorch job. */
  | { type: 'export'; id: number; which?: 'latest' | 'best'; format?: ExportFormat }
  /** A tfjs model (zip, or model.json + weights), or a RUN from a PyTorch job (zip, or model.safetensors + studio.json [+ history.csv]). */
  | { type: 'import'; id: number; files: Array<{ name: string; bytes: ArrayBuffer }> }
  | { type: 'runs-list'; id: number }
  // moreEpochs: a finished run trains that many epochs past its last one.
  | { type: 'run-resume'; id: number; runId: string; moreEpochs?: number }
  | { type: 'run-delete'; id: number; runId: string }
  | PredictRequest
  | PlanRunRequest;

/**
 * 'zip': the tfjs Layers model (model.json, weights.bin), run.json, history.csv and model.onnx; 'onnx': model.onnx alone;
 * 'torch': the PyTorch job as a zip (train.py, studio_torch/, model.safetensors, studio.json, README.md).
 */
export type ExportFormat = 'zip' | 'onnx' | 'torch';

export interface PredictRequest {
  type: 'predict';
  id: number;
  /** The current run's model, or the last imported one. */
  model: 'run' | 'imported';
  /** New photos, or pairs of the loaded dataset's test split (by position in the split). */
  images: Array<{ name: string; blob: Blob }>;
  testPairs: number[];
  flipTta: boolean;
}

/** A photo with its predicted car probability at the photo's own size. */
export interface PredictionResult {
  name: string;
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** sigmoid * 255 per pixel, scaled to width x height. */
  probabilities: Uint8Array<ArrayBuffer>;
  /** The same at the model's input size, as the model produced it (for comparing models exactly). */
  modelProbabilities: Uint8Array<ArrayBuffer>;
  error: string | null;
}

/** The photo and ground truth of a tracked validation image, sent once per run. */
export interface OverlaySource {
  name: string;
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel. */
  rgb: Uint8Array<ArrayBuffer>;
  /** 0/1, one byte a pixel. */
  mask: Uint8Array<ArrayBuffer>;
}

/** A run as the page lists it: the record without its step series. */
export type RunSummary = Omit<RunRecord, 'steps'>;

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
  /** Pair names in split order (sent for test only, so the page can offer them for inference). */
  names?: string[];
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
  | { type: 'engine-progress'; id: number; message: string }
  | { type: 'progress'; id: number; phase: 'building' | 'compiling' | 'training'; message: string }
  | ({ type: 'step'; id: number; numTensors: number } & StepReport)
  | { type: 'done'; id: number; steps: number; medianMs: number; params: number }
  | { type: 'ingest-progress'; id: number; progress: IngestProgress }
  | {
      type: 'dataset';
      id: number;
      label: string;
      summary: DatasetSummary;
      skipped: Skipped[];
      notes: Skipped[];
      size: { height: number; width: number };
      thumbnails: Thumbnail[];
    }
  | { type: 'split'; id: number; split: SplitSummary }
  | {
      type: 'run-started';
      id: number;
      run: RunRecord;
      params: number;
      sources: OverlaySource[];
      resumed: boolean;
    }
  | ({ type: 'run-status'; id: number; runId: string } & RunState)
  | ({ type: 'train-step'; id: number; runId: string; epoch: number; numTensors: number; numBytes: number } & StepReport)
  | { type: 'epoch'; id: number; runId: string; record: EpochRecord; etaSeconds: number; numTensors: number; numBytes: number }
  | { type: 'overlays'; id: number; runId: string; epoch: number; step: number; maps: ProbabilityMap[] }
  | { type: 'config-change'; id: number; runId: string; change: ConfigChange }
  | { type: 'checkpoint'; id: number; runId: string; kind: 'latest' | 'best'; epoch: number; step: number; bytes: number; saved: boolean }
  | { type: 'test-result'; id: number; runId: string; result: TestResult }
  | { type: 'test-inspection'; id: number; runId: string; source: OverlaySource; map: ProbabilityMap }
  | { type: 'export-ready'; id: number; filename: string; format: ExportFormat; bytes: Uint8Array<ArrayBuffer> }
  | { type: 'imported'; id: number; message: string }
  | { type: 'runs'; id: number; runs: RunSummary[] }
  | { type: 'storage-error'; id: number; message: string }
  | { type: 'prediction'; id: number; model: 'run' | 'imported'; results: PredictionResult[] }
  /** What the planner of a guided run is timing now. */
  | { type: 'plan-progress'; id: number; message: string }
  /** The guided run's choice: the page writes it into the settings and starts the run. */
  | { type: 'plan'; id: number; plan: RunPlan }
  | { type: 'error'; id: number; message: string; request?: Request['type'] }
  /** The worker's own requests to other origins so far (sent only when a count grows), for the privacy read-out. */
  | { type: 'outside-requests'; id: 0; counts: OutsideRequests };

/** How the worker's parts send events to the page (buffers in `transfer` move, not copy). */
export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Compile-time exhaustiveness for switches over the unions above. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
