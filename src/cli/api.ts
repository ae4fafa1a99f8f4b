/**
 * What the headless driver page (cli.html) offers the Node tools as `window.studioCli`. Types only:
 * both sides import them, and nothing here pulls code into either bundle.
 */
import type { Skipped } from '../data/pairing';
import type { DatasetSummary } from '../data/ingest';
import type { BackendChoice } from '../ml/backend';
import type { BackendPreference } from '../ml/backendNames';
import type { Metrics } from '../ml/metrics';
import type { UpscaleMethod } from '../data/guidedUpsample';
import type { EpochRecord, LiveSettings, TrainConfig } from '../ml/train/config';
import type { RunPlan } from '../ml/train/recipe';
import type { RunReason, RunStatus, TestResult } from '../ml/train/trainer';
import type { PlanRunRequest, SplitSummary, WorkerEvent } from '../worker/protocol';

export type { BackendChoice, BackendPreference };

export interface IngestOptions {
  label: string;
  height: number;
  width: number;
  ratios: { train: number; val: number; test: number };
  seed: number;
  /** Defaults to the studio's budget (1 GiB). */
  budgetBytes?: number;
}

export interface IngestOutcome {
  summary: DatasetSummary;
  skipped: Skipped[];
  notes: Skipped[];
  split: SplitSummary;
  /** Files handed to the worker. */
  files: number;
  /** Wall time of the request, measured in the page. */
  seconds: number;
}

/** A run seen to its end: what `train` resolves with. */
export interface TrainOutcome {
  status: RunStatus;
  reason: RunReason | null;
  message: string;
  params: number;
  runId: string;
  history: EpochRecord[];
  test: TestResult | null;
  steps: number;
  trainSeconds: number;
}

/** Figures at the photo's own size: the model's map upscaled by each method, against the full-size mask. */
export type PhotoSizeMetrics = Record<UpscaleMethod, Metrics>;

/** Per-image figures of `evaluate`, computed against the masks in the chosen folder: at the model's size, and at the photo's. */
export interface EvaluateOutcome {
  pairs: number;
  mean: Metrics;
  perImage: Array<Metrics & { file: string; photo: PhotoSizeMetrics & { width: number; height: number } }>;
  photo: PhotoSizeMetrics & { msPerImage: Record<UpscaleMethod, number> };
  skipped: Skipped[];
  msPerImage: number;
}

/** PNG files for one photo, base64-encoded (page.evaluate carries JSON only). */
export interface RenderedImage {
  file: string;
  width: number;
  height: number;
  maskPng: string | null;
  cutoutPng: string | null;
  error: string | null;
}

/** Small worker events forwarded to Node (pixel-carrying ones are left out). */
export type ForwardedEvent = Exclude<WorkerEvent, { type: 'overlays' | 'prediction' | 'export-ready' | 'dataset' | 'run-started' }>;

export interface StudioCliApi {
  /** `wasmThreads` takes effect on the page's first init only (the wasm module starts once). */
  init(backend: BackendPreference, wasmThreads?: number): Promise<BackendChoice>;
  /** Ingests the files of `<input id="data">` (filled by Playwright's setInputFiles). */
  ingestFromInput(options: IngestOptions): Promise<IngestOutcome>;
  /** "Best model in N minutes": times the recipe's candidates on the loaded data and returns its plan (what the page's button does). */
  planRun(options: Omit<PlanRunRequest, 'type' | 'id'>): Promise<RunPlan>;
  train(config: TrainConfig, name: string): Promise<TrainOutcome>;
  /** Stops the run, keeping what it learnt (the run then resolves with status 'stopped'). */
  stop(): void;
  /** Pauses or resumes the run (what the page's Pause and Resume buttons send). */
  control(action: 'pause' | 'resume'): void;
  /** Changes live settings mid-run (what an edit of a *live* setting on the page sends). */
  update(settings: Partial<LiveSettings>): void;
  testNow(): Promise<TestResult>;
  /** The studio's export zip (model.json, weights.bin, run.json, history.csv, model.onnx) as base64. */
  exportZip(): Promise<string>;
  importFiles(files: Array<{ name: string; base64: string }>): Promise<string>;
  /** Scores the imported (or current) model on every pair of the loaded input, at the model's size. */
  evaluateInput(options: { model: 'run' | 'imported'; height: number; width: number; flipTta: boolean; threshold: number }): Promise<EvaluateOutcome>;
  /** Predicts every photo of the input (paired or not) at its own size and encodes mask and cut-out PNGs. */
  renderInput(options: {
    model: 'run' | 'imported';
    masks: boolean;
    cutouts: boolean;
    flipTta: boolean;
    threshold: number;
    from: number;
    count: number;
  }): Promise<{ images: RenderedImage[]; total: number }>;
  /** Milliseconds per image of `predict` on `count` loaded pairs, after one warm-up image; `flipTta` adds the mirrored pass masks use by default. */
  timeInference(count: number, flipTta: boolean): Promise<number>;
  /** The longest main-thread task seen since the last call (PerformanceObserver 'longtask'), or 0. */
  takeLongestTask(): number;
}

declare global {
  interface Window {
    studioCli?: StudioCliApi;
    /** Exposed by the Node side with page.exposeFunction. */
    studioCliEvent?: (event: ForwardedEvent) => Promise<void>;
  }
}
