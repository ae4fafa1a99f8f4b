/**
 * The bench's measurements, each in a fresh browser (a clean worker and clean memory), all through
 * the studio's own protocol: training steps and inference, ingestion speed and memory, tensor growth.
 */
import path from 'node:path';
import { benchModel, type BenchModel } from './models';
import type { TrainConfig } from '../src/ml/train/config';
import { DEFAULT_SETTINGS, settingsToConfig } from '../src/settings';
import type { ForwardedEvent } from '../src/cli/api';
import type { BackendName } from '../src/ml/backendNames';
import { treeRss, withStudio, type Studio } from '../src/cli/headlessStudio';
import { soak, SOAK_DEFAULTS, type SoakFigure } from '../e2e/harness/soak';
import { median } from '../src/data/stats';

export const BATCH = 4;
const WARMUP_STEPS = 3;
const SPLIT = { ratios: { train: 0.8, val: 0.1, test: 0.1 }, seed: 1 };

type Listener = (event: ForwardedEvent) => void;

/** Opens a browser whose worker events go to whatever listener is current. */
async function session<T>(dir: string, work: (studio: Studio, listen: (listener: Listener) => void) => Promise<T>): Promise<T> {
  let listener: Listener = () => undefined;
  return withStudio({ onEvent: (event) => listener(event), reuseBuild: true }, async (studio) => {
    await studio.page.setInputFiles('#data', dir);
    return work(studio, (next) => (listener = next));
  });
}

function benchConfig(model: BenchModel, height: number, width: number): TrainConfig {
  const { preset, base } = benchModel(model);
  const config = settingsToConfig({ ...DEFAULT_SETTINGS, preset, size: `${height}x${width}`, batchSize: BATCH, epochs: 1000, seed: 1 });
  config.overlayCount = 0;
  if (base !== undefined) config.base = base;
  return config;
}

export interface Combo {
  preset: BenchModel;
  height: number;
  width: number;
}

/** "wasm", or "wasm x2" for two XNNPACK threads. */
export function engineLabel(backend: BackendName, threads: number): string {
  return threads > 1 ? `${backend} x${threads}` : backend;
}

export interface TrainFigure {
  preset: BenchModel;
  size: [number, number];
  batch: number;
  backend: BackendName;
  /** wasm's XNNPACK threads (1 for the other backends). */
  threads: number;
  msPerStep: number | null;
  imagesPerSecond: number | null;
  /** Steps in the median (after the warm-up steps). */
  steps: number;
  /** Every step's ms, warm-up included, as measured by the trainer. */
  stepMs: number[];
  longestTaskMs: number;
  skipped?: string;
}

export interface InferenceFigure {
  preset: BenchModel;
  size: [number, number];
  backend: BackendName;
  threads: number;
  msPerImage: number;
  /** With flip test-time augmentation, the default for masks and cut-outs: the model runs on the image and its mirror. */
  msPerImageFlipTta?: number;
  images: number;
}

export interface BackendStart {
  backend: BackendName;
  started: boolean;
  reason: string;
  adapter: unknown;
}

/** Median ms of `measured` training steps after the warm-up, stopping early at `budgetSeconds`; then inference ms per image. */
export async function measureTraining(
  dir: string,
  backend: BackendName,
  combo: Combo,
  options: { budgetSeconds: number; measured: number; inference: boolean; threads: number },
): Promise<{ start: BackendStart; train?: TrainFigure; inference?: InferenceFigure }> {
  const { threads } = options;
  return session(dir, async (studio, listen) => {
    const choice = await studio.call('init', backend, threads);
    const start: BackendStart = { backend, started: choice.backend === backend, reason: choice.reason, adapter: choice.adapter };
    if (!start.started) return { start };
    const { preset, height, width } = combo;
    await studio.call('ingestFromInput', { label: `bench ${path.basename(dir)}`, height, width, ...SPLIT });
    studio.call('takeLongestTask').catch(() => undefined);
    const stepMs: number[] = [];
    let enough: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (enough = resolve));
    listen((event) => {
      if (event.type !== 'train-step') return;
      stepMs.push(event.ms);
      if (stepMs.length >= WARMUP_STEPS + options.measured) enough();
    });
    // The budget counts from the end of the first step: compiling shaders is a fixed cost, not the step's.
    let firstDoneAt = 0;
    const budget = setInterval(() => {
      if (!firstDoneAt && stepMs.length) firstDoneAt = Date.now();
      if (firstDoneAt && Date.now() - firstDoneAt > options.budgetSeconds * 1000) enough();
    }, 250);
    const run = studio.call('train', benchConfig(preset, height, width), 'bench');
    try {
      await Promise.race([reached, run]);
    } finally {
      clearInterval(budget);
    }
    await studio.call('stop');
    const outcome = await run;
    if (outcome.status === 'failed') throw new Error(`${engineLabel(backend, threads)} ${preset} ${height}x${width}: ${outcome.message}`);
    const longestTaskMs = await studio.call('takeLongestTask');
    const measured = stepMs.slice(WARMUP_STEPS);
    const base = { preset, size: [height, width] as [number, number], batch: BATCH, backend, threads, stepMs, longestTaskMs };
    const seen = stepMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ') || 'none finished';
    const train: TrainFigure = measured.length
      ? { ...base, msPerStep: median(measured), imagesPerSecond: (BATCH * 1000) / median(measured), steps: measured.length }
      : {
          ...base,
          msPerStep: null,
          imagesPerSecond: null,
          steps: 0,
          skipped: `over the ${options.budgetSeconds} s budget (after the first step) before the warm-up ended (steps: ${seen})`,
        };
    if (!options.inference || stepMs.length === 0) return { start, train };
    const images = 8;
    const msPerImage = await studio.call('timeInference', images, false);
    const msPerImageFlipTta = await studio.call('timeInference', images, true);
    return { start, train, inference: { preset, size: [height, width], backend, threads, msPerImage, msPerImageFlipTta, images } };
  });
}

export interface MemoryFigure {
  preset: BenchModel;
  size: [number, number];
  backend: BackendName;
  steps: number;
  /** tf.memory() at the first step's end, and at the last. */
  first: { numTensors: number; numBytes: number };
  last: { numTensors: number; numBytes: number };
  tensorGrowth: number;
  byteGrowth: number;
  /** tf.memory().numTensors at the end of step 10 and of step 200 (null when the run stopped short). */
  tensorsAtStep10: number | null;
  tensorsAtStep200: number | null;
  /** Growth from the first step of the second epoch on (after the first checkpoint is held). */
  steadyTensorGrowth: number;
  steadyByteGrowth: number;
  epochs: number;
  longestTaskMs: number;
}

/** tf.memory() over `steps` training steps (several epochs, with their evaluations and checkpoints). */
export async function measureMemory(dir: string, backend: BackendName, combo: Combo, steps: number): Promise<MemoryFigure> {
  return session(dir, async (studio, listen) => {
    const choice = await studio.call('init', backend);
    if (choice.backend !== backend) throw new Error(`${backend} did not start: ${choice.reason}`);
    const { preset, height, width } = combo;
    await studio.call('ingestFromInput', { label: `bench ${path.basename(dir)}`, height, width, ...SPLIT });
    studio.call('takeLongestTask').catch(() => undefined);
    const seen: Array<{ step: number; epoch: number; numTensors: number; numBytes: number }> = [];
    let enough: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (enough = resolve));
    listen((event) => {
      if (event.type !== 'train-step') return;
      seen.push({ step: event.step, epoch: event.epoch, numTensors: event.numTensors, numBytes: event.numBytes });
      if (event.step >= steps) enough();
    });
    const run = studio.call('train', benchConfig(preset, height, width), 'bench memory');
    await Promise.race([reached, run]);
    await studio.call('stop');
    await run;
    const longestTaskMs = await studio.call('takeLongestTask');
    const first = seen[0]!;
    const last = seen[Math.min(seen.length, steps) - 1]!;
    const steady = seen.find((s) => s.epoch >= 1) ?? first;
    return {
      preset,
      size: [height, width],
      backend,
      steps: last.step,
      first: { numTensors: first.numTensors, numBytes: first.numBytes },
      last: { numTensors: last.numTensors, numBytes: last.numBytes },
      tensorGrowth: last.numTensors - first.numTensors,
      byteGrowth: last.numBytes - first.numBytes,
      tensorsAtStep10: seen.find((s) => s.step === 10)?.numTensors ?? null,
      tensorsAtStep200: seen.find((s) => s.step === 200)?.numTensors ?? null,
      steadyTensorGrowth: last.numTensors - steady.numTensors,
      steadyByteGrowth: last.numBytes - steady.numBytes,
      epochs: last.epoch + 1,
      longestTaskMs,
    };
  });
}

/**
 * The e2e memory soak (e2e/harness/soak.ts, the same code e2e/soak.spec.ts runs): 1,000 steps of tiny
 * at 32x48 with a pause, a live rate change and a resume, the worker's heap and tf.memory() read at
 * step 100 and 1,000 after a forced GC, then at rest after each of three runs in a row.
 */
export async function measureSoak(dir: string, backend: BackendName, log: (line: string) => void): Promise<SoakFigure> {
  return session(dir, async (studio, listen) => {
    const choice = await studio.call('init', backend);
    if (choice.backend !== backend) throw new Error(`${backend} did not start: ${choice.reason}`);
    const { height, width } = SOAK_DEFAULTS;
    await studio.call('ingestFromInput', { label: `bench soak ${path.basename(dir)}`, height, width, ...SPLIT });
    return soak(studio.page, studio.call, listen, { ...SOAK_DEFAULTS, backend, log });
  });
}

export interface IngestFigure {
  dataset: string;
  pairs: number;
  sourceSize: string;
  loadSize: [number, number];
  /** Median over the runs. */
  pairsPerSecond: number;
  runs: number[];
  /** Browser process tree (all Chromium processes), sampled every 50 ms while loading; the highest run. */
  peakRssMB: number;
  baselineRssMB: number;
}

/** Pairs per second of the studio's ingestion, each run in a fresh browser, with the browser tree's peak RSS. */
export async function measureIngest(dataset: string, dir: string, runs: number, height: number, width: number): Promise<IngestFigure> {
  const rates: number[] = [];
  let pairs = 0;
  let sourceSize = '';
  let peak = 0;
  let baseline = 0;
  for (let run = 0; run < runs; run++) {
    await session(dir, async (studio) => {
      const pid = studio.browserPid;
      if (pid === null) throw new Error('Could not find the browser process to measure its memory.');
      const before = treeRss(pid);
      let high = before;
      const sampler = setInterval(() => (high = Math.max(high, treeRss(pid))), 50);
      try {
        const outcome = await studio.call('ingestFromInput', { label: `bench ${dataset}`, height, width, ...SPLIT });
        rates.push(outcome.summary.pairs / outcome.seconds);
        pairs = outcome.summary.pairs;
        const size = outcome.summary.sourceSizes[0];
        sourceSize = size ? `${size.width}x${size.height}` : '';
      } finally {
        clearInterval(sampler);
      }
      high = Math.max(high, treeRss(pid));
      if (high > peak) [peak, baseline] = [high, before];
    });
  }
  return {
    dataset,
    pairs,
    sourceSize,
    loadSize: [height, width],
    pairsPerSecond: median(rates),
    runs: rates,
    peakRssMB: peak / 2 ** 20,
    baselineRssMB: baseline / 2 ** 20,
  };
}
