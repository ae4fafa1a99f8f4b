/**
 * `npm run bench [-- --json FILE] [-- --peer]`: the studio's engine measured in headless Chromium on
 * this machine, for every backend that starts. See BENCHMARKS.md for what each figure means.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { BENCH_USAGE, parseBenchArgs, UsageError, type BenchArgs } from '../src/cli/args';
import { writeJson } from '../src/cli/files';
import { runMain } from '../src/cli/main';
import { ensureBuilt } from '../src/cli/headlessStudio';
import { CHROMIUM_PATH } from '../src/cli/chromium';
import { CACHE, CARVANA_SAMPLE, generatedLarge, trainingSubset } from './data';
import {
  BATCH,
  engineLabel,
  measureIngest,
  measureMemory,
  measureSoak,
  measureTraining,
  type BackendStart,
  type Combo,
  type IngestFigure,
  type InferenceFigure,
  type MemoryFigure,
  type TrainFigure,
} from './measure';
import { runPeer, type PeerResult } from './peer';
import { measureQuality, type QualityFigure } from './quality';
import { renderReport } from './table';
import type { SoakFigure } from '../e2e/harness/soak';

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; chromium: string; loadAverageStart: number[]; loadAverageEnd: number[] };
  date: string;
  command: string;
  budgetSeconds: number;
  trainingData: string;
  backends: BackendStart[];
  train: TrainFigure[];
  inference: InferenceFigure[];
  ingest: IngestFigure[];
  memory: MemoryFigure | null;
  /** The e2e soak's figures (heap, tensors and bytes at step 100 and 1,000, at rest after three runs). */
  soak: SoakFigure | null;
  longestTaskMs: number;
  peer: PeerResult | null;
  /** `--only quality`: the recipe (or --train-args) trained M minutes on the sample, scored on its test cars. */
  quality: QualityFigure | null;
  seconds: number;
}

/** Each preset from the smaller size up, so a larger size can be skipped on the smaller one's figure. */
function combos(args: BenchArgs): Combo[] {
  return args.presets.flatMap((preset) =>
    [...args.sizes]
      .sort((a, b) => a.length - b.length || a.localeCompare(b))
      .map((size) => {
        const [height, width] = size.split('x').map(Number) as [number, number];
        return { preset, height, width };
      }),
  );
}
const WARMUP_AND_ONE = 4;
const MEMORY_STEPS = 200;
const INGEST_RUNS = 3;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A step time for `combo` guessed from a measured smaller size of the same preset (cost ~ pixels). */
function estimateMs(done: TrainFigure[], combo: Combo): number | null {
  const smaller = done.find((t) => t.preset === combo.preset && t.msPerStep !== null && t.size[0] * t.size[1] < combo.height * combo.width);
  return smaller ? smaller.msPerStep! * ((combo.height * combo.width) / (smaller.size[0] * smaller.size[1])) : null;
}

/** Every backend once, wasm once per thread count. */
type Engine = { backend: BenchArgs['backends'][number]; threads: number };
function engines(args: BenchArgs): Engine[] {
  return args.backends.flatMap((backend): Engine[] =>
    backend === 'wasm' ? args.wasmThreads.map((threads) => ({ backend, threads })) : [{ backend, threads: 1 }],
  );
}

async function benchTraining(args: BenchArgs, report: BenchReport, dir: string): Promise<void> {
  const wantTrain = args.sections.includes('train');
  for (const { backend, threads } of engines(args)) {
    const done: TrainFigure[] = [];
    const engine = engineLabel(backend, threads);
    for (const combo of combos(args)) {
      const label = `${engine} ${combo.preset} ${combo.height}x${combo.width}`;
      const base = {
        preset: combo.preset,
        size: [combo.height, combo.width] as [number, number],
        batch: BATCH,
        backend,
        threads,
        msPerStep: null,
        imagesPerSecond: null,
        steps: 0,
        stepMs: [],
        longestTaskMs: 0,
      };
      const overBudget = done.find((t) => t.preset === combo.preset && t.skipped);
      const estimate = estimateMs(done, combo);
      let skipped: string | null = null;
      if (overBudget) skipped = `skipped: ${overBudget.size.join('x')} was already over the ${args.budgetSeconds} s budget`;
      else if (estimate !== null && (estimate * WARMUP_AND_ONE) / 1000 > args.budgetSeconds) {
        skipped = `skipped: ~${(estimate / 1000).toFixed(1)} s a step (scaled from the smaller size), so warm-up plus one step would exceed the ${args.budgetSeconds} s budget`;
      }
      if (skipped) {
        log(`${label}: ${skipped}`);
        const figure = { ...base, skipped };
        done.push(figure);
        report.train.push(figure);
        continue;
      }
      log(`${label}: measuring...`);
      let result: Awaited<ReturnType<typeof measureTraining>>;
      try {
        result = await measureTraining(dir, backend, combo, {
          budgetSeconds: args.budgetSeconds,
          measured: wantTrain ? 5 : 1,
          inference: args.sections.includes('inference'),
          threads,
        });
      } catch (error) {
        // One broken measurement is a figure ("failed: why"), not the end of a half-hour bench.
        const failed = `failed: ${(error as Error).message.split('\n')[0]}`;
        log(`${label}: ${failed}`);
        report.train.push({ ...base, skipped: failed });
        break;
      }
      if (!report.backends.some((b) => b.backend === backend)) report.backends.push(result.start);
      if (!result.start.started) {
        log(`${engine}: did not start (${result.start.reason})`);
        break;
      }
      if (result.train) {
        done.push(result.train);
        if (wantTrain) report.train.push(result.train);
        log(
          `${label}: ${result.train.msPerStep === null ? result.train.skipped : `${result.train.msPerStep.toFixed(0)} ms/step over ${result.train.steps} steps`}`,
        );
      }
      if (result.inference) {
        report.inference.push(result.inference);
        log(`${label}: inference ${result.inference.msPerImage.toFixed(1)} ms/image, ${result.inference.msPerImageFlipTta!.toFixed(1)} with flip TTA`);
      }
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.backends.length === 0) throw new UsageError(BENCH_USAGE);
  await ensureBuilt(log);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox'] });
  const chromiumVersion = `Chromium ${browser.version()}`;
  await browser.close();
  const cpuList = cpus();
  const report: BenchReport = {
    machine: {
      cpu: cpuList[0]?.model.trim() ?? 'unknown CPU',
      cores: cpuList.length,
      memoryGiB: totalmem() / 2 ** 30,
      os: `Linux ${release()}`,
      node: process.version,
      chromium: chromiumVersion,
      loadAverageStart: loadavg(),
      loadAverageEnd: [],
    },
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    budgetSeconds: args.budgetSeconds,
    trainingData: '',
    backends: [],
    train: [],
    inference: [],
    ingest: [],
    memory: null,
    soak: null,
    longestTaskMs: 0,
    peer: null,
    quality: null,
    seconds: 0,
  };

  if (args.sections.includes('ingest')) {
    const [height, width] = [128, 192];
    if (existsSync(CARVANA_SAMPLE)) {
      log(`ingest: carvana512-sample x${INGEST_RUNS}...`);
      report.ingest.push(await measureIngest('carvana512-sample', CARVANA_SAMPLE, INGEST_RUNS, height, width));
    } else log(`ingest: ${CARVANA_SAMPLE} not found; the 512x512 sample figure is left out`);
    log('ingest: generated 1918x1280 pairs (made once, then cached)...');
    report.ingest.push(await measureIngest('generated 1918x1280 (2 cars)', generatedLarge(2), INGEST_RUNS, height, width));
  }

  const subset = trainingSubset(5);
  report.trainingData = subset.source;
  if (args.sections.includes('train') || args.sections.includes('inference')) await benchTraining(args, report, subset.dir);

  if (args.sections.includes('memory')) {
    // tiny at its own 32x48 on the backend fastest for tiny: 200 steps cross 17 epoch ends (evaluation, checkpoints).
    const tiny = report.train.filter((t) => t.preset === 'tiny' && t.msPerStep !== null && t.threads === 1).sort((a, b) => a.msPerStep! - b.msPerStep!)[0];
    const backend = tiny?.backend ?? args.backends.find((b) => b === 'webgl') ?? args.backends[0]!;
    log(`memory: tiny 32x48 on ${backend}, ${MEMORY_STEPS} steps...`);
    report.memory = await measureMemory(subset.dir, backend, { preset: 'tiny', height: 32, width: 48 }, MEMORY_STEPS);
    log(`memory: the soak (tiny 32x48 on ${backend}, 1,000 steps, three runs)...`);
    report.soak = await measureSoak(subset.dir, backend, (line) => log(`memory: soak: ${line}`));
  }
  if (args.sections.includes('quality')) {
    if (existsSync(path.join(CARVANA_SAMPLE, 'train'))) {
      report.quality = await measureQuality(CARVANA_SAMPLE, args.minutes, args.trainArgs, path.join(CACHE, 'bench-quality'), log);
    } else log(`quality: ${CARVANA_SAMPLE} not found; the quality figure needs the real sample`);
  }
  report.longestTaskMs = Math.max(0, ...report.train.map((t) => t.longestTaskMs), report.memory?.longestTaskMs ?? 0);
  if (args.peer) report.peer = runPeer(report.train, args, log);
  report.machine.loadAverageEnd = loadavg();
  report.seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\n${renderReport(report)}\n`);
  if (args.json) {
    writeJson(args.json, report);
    log(`wrote ${path.resolve(args.json)}`);
  }
}

runMain(main);
