/**
 * `npm run train -- --data DIR --out OUT ...`: the studio's own ingestion and training, in its own
 * worker, in headless Chromium; writes the studio's export (model.json, weights.bin, run.json,
 * history.csv, model.onnx) and report.json to OUT.
 */
import path from 'node:path';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import { estimateParams } from '../ml/model/estimate';
import { presetConfig } from '../ml/model/presets';
import type { BackendChoice } from '../ml/backend';
import { withPlan, type RunPlan } from '../ml/train/recipe';
import type { TestResult } from '../ml/train/trainer';
import { DEFAULT_SETTINGS, settingsToConfig } from '../settings';
import type { ForwardedEvent, IngestOutcome, TrainOutcome } from './api';
import { parseTrainArgs, UsageError, type TrainArgs } from './args';
import { checkDataDir, prepareOutDir, relativeTo, writeExport, writeJson } from './files';
import { runMain, RunFailure } from './main';
import { formatDuration, ProgressLine, showIngestProgress } from './progress';
import { withStudio } from './headlessStudio';

/** Turns the worker's step and epoch events into the bar's fraction, text and ETA. */
class TrainProgress {
  private firstStepAt = 0;
  private firstStep = 0;
  private epochText = '';
  private fraction = 0;
  readonly startedAt = Date.now();

  constructor(
    private readonly line: ProgressLine,
    private readonly totalSteps: number,
    private readonly epochs: number,
    private readonly deadline: number | null,
  ) {}

  onEvent(event: ForwardedEvent): void {
    if (event.type === 'train-step') {
      // The first step compiles shaders: rates are measured from the end of it.
      if (!this.firstStepAt) [this.firstStepAt, this.firstStep] = [Date.now(), event.step];
      const perStep = event.step > this.firstStep ? (Date.now() - this.firstStepAt) / 1000 / (event.step - this.firstStep) : NaN;
      let eta = (this.totalSteps - event.step) * perStep;
      let fraction = event.step / this.totalSteps;
      if (this.deadline) {
        eta = Math.min(Number.isFinite(eta) ? eta : Infinity, (this.deadline - Date.now()) / 1000);
        fraction = Math.max(fraction, (Date.now() - this.startedAt) / (this.deadline - this.startedAt));
      }
      this.fraction = fraction;
      const epochs = this.deadline ? `epoch ${event.epoch + 1}` : `epoch ${event.epoch + 1}/${this.epochs}`;
      this.line.update(fraction, `${epochs} step ${event.step} loss ${event.loss.toFixed(4)}${this.epochText}`, eta);
    } else if (event.type === 'epoch') {
      const r = event.record;
      this.epochText = ` | val dice ${r.dice.toFixed(4)}`;
      this.line.log(
        `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, dice ${r.dice.toFixed(4)}, iou ${r.iou.toFixed(4)} (${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(1)} img/s)`,
      );
    } else if (event.type === 'run-status' && (event.status === 'compiling' || event.status === 'evaluating')) {
      this.line.update(this.fraction, event.message, NaN, true);
    }
  }
}

function reportBase(args: TrainArgs, choice: Pick<BackendChoice, 'backend' | 'adapter' | 'reason' | 'threads' | 'threadChoice'>, ingest: IngestOutcome) {
  const relative = relativeTo(path.basename(path.resolve(args.data)));
  const part = (name: 'train' | 'val' | 'test') => ({ pairs: ingest.split[name].pairs, groups: ingest.split[name].groups });
  return {
    preset: args.preset,
    size: [args.height, args.width],
    // The first encoder block's channels: the preset's own unless --base (or the recipe) set it.
    base: args.base || presetConfig(args.preset).base,
    params: estimateParams(presetConfig(args.preset, { height: args.height, width: args.width, ...(args.base > 0 && { base: args.base }) })),
    backend: choice.backend,
    adapter: choice.adapter,
    backendReason: choice.reason,
    // wasm's thread count and how it was chosen (the timings when measured).
    ...(choice.threads !== undefined && { threads: choice.threads, threadChoice: choice.threadChoice }),
    seed: args.seed,
    data: args.data,
    pairs: ingest.summary.pairs,
    groups: ingest.summary.groups,
    skipped: ingest.skipped.map(({ file, reason }) => ({ file: relative(file), reason })),
    notes: ingest.notes.map(({ file, reason }) => ({ file: relative(file), reason })),
    split: { ratios: ingest.split.ratios, seed: ingest.split.seed, train: part('train'), val: part('val'), test: part('test') },
    ingest: { files: ingest.files, seconds: ingest.seconds, pairsPerSecond: ingest.summary.pairs / ingest.seconds },
  };
}

function testFields(test: TestResult | null) {
  if (!test) return { test: null, testPerImage: [] };
  const { dice, iou, precision, recall, accuracy } = test.mean;
  return {
    test: { dice, iou, precision, recall, accuracy, loss: test.loss },
    testPerImage: test.perImage.map((m) => ({ file: m.name, dice: m.dice, iou: m.iou })),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = parseTrainArgs(process.argv.slice(2));
  const dataDir = checkDataDir(args.data);
  const outDir = prepareOutDir(args.out, '--out');
  const line = new ProgressLine();
  let progress: TrainProgress | null = null;
  // Set from event callbacks, read after the run: an object, so TypeScript does not narrow it to null.
  const state: { stopReason: string | null; nan: boolean } = { stopReason: null, nan: false };
  let stop: (() => void) | null = null;

  await withStudio(
    {
      log: (message) => line.log(message),
      onEvent: (event) => {
        showIngestProgress(line, event);
        // A NaN loss pauses the studio's run for the user to lower the rate: headless, it ends the run.
        if (event.type === 'run-status' && event.status === 'paused' && event.reason === 'nan') {
          state.stopReason = event.message;
          state.nan = true;
          line.log(`run paused by the NaN guard: ${event.message}`);
          stop?.();
        }
        progress?.onEvent(event);
      },
    },
    async (studio) => {
      await studio.page.setInputFiles('#data', dataDir);
      const choice = await studio.call('init', args.backend, args.threads);
      line.log(
        `backend: ${choice.reason}${choice.adapter ? ` (WebGPU adapter: ${choice.adapter.description || choice.adapter.vendor}${choice.adapter.isFallbackAdapter ? ', software fallback' : ''})` : ''}`,
      );
      if (choice.threadChoice && choice.threads !== undefined) line.log(`wasm threads: ${choice.threadChoice.reason}`);
      const ingest = await studio.call('ingestFromInput', {
        label: `folder ${path.basename(dataDir)}`,
        height: args.height,
        width: args.width,
        ratios: DEFAULT_SPLIT_RATIOS,
        seed: args.seed,
      });
      line.end();
      const { summary, split } = ingest;
      line.log(
        `data: ${summary.pairs} pairs (${summary.groups} groups) from ${ingest.files} files in ${ingest.seconds.toFixed(1)} s; ${summary.skipped} files skipped; split ${split.train.pairs}/${split.val.pairs}/${split.test.pairs} pairs`,
      );
      const relative = relativeTo(path.basename(dataDir));
      for (const s of ingest.skipped.slice(0, 5)) line.log(`  skipped ${relative(s.file)}: ${s.reason}`);
      if (ingest.skipped.length > 5) line.log(`  ... and ${ingest.skipped.length - 5} more (all listed in report.json)`);
      if (summary.pairs === 0) {
        writeJson(path.join(outDir, 'report.json'), { ...reportBase(args, choice, ingest), status: 'no-pairs', wallSeconds: (Date.now() - started) / 1000 });
        throw new UsageError(`--data ${args.data}: no image/mask pairs found (expected e.g. train/X.jpg + train_masks/X_mask.gif, or images/ + masks/)`);
      }
      let base = reportBase(args, choice, ingest);
      if (args.epochs === 0) {
        // Every field of a trained run's report, honestly empty: nothing was trained or tested.
        writeJson(path.join(outDir, 'report.json'), {
          ...base,
          status: 'ingested',
          steps: 0,
          history: [],
          ...testFields(null),
          files: [],
          wallSeconds: (Date.now() - started) / 1000,
          imagesPerSecond: 0,
        });
        line.log(`--epochs 0: loaded and split only; wrote ${path.join(outDir, 'report.json')}`);
        return;
      }

      // --minutes without --epochs: the page's "Best model in N minutes" recipe picks what no flag fixed.
      let plan: RunPlan | null = null;
      let run = args;
      if (args.recipe && args.minutes) {
        line.log(`recipe: timing its candidates for ${args.minutes} min on this machine...`);
        plan = await studio.call('planRun', {
          minutes: args.minutes,
          backend: args.backend,
          fixed: args.recipe.fixed,
          learningRate: args.recipe.learningRate ?? undefined,
        });
        const { preset, height, width, batchSize, base: channels = 0 } = plan.candidate;
        run = { ...args, preset, height, width, batchSize, base: channels, epochs: plan.epochs, learningRate: plan.learningRate };
        for (const why of plan.why) line.log(`  ${why}`);
        if (height !== args.height || width !== args.width) {
          line.log(`decoding the data again at ${height}x${width}...`);
          await studio.call('ingestFromInput', { label: `folder ${path.basename(dataDir)}`, height, width, ratios: DEFAULT_SPLIT_RATIOS, seed: args.seed });
          line.end();
        }
        base = reportBase(run, choice, ingest);
      }
      const settings = settingsToConfig({
        ...DEFAULT_SETTINGS,
        preset: run.preset,
        size: `${run.height}x${run.width}`,
        batchSize: run.batchSize,
        base: run.base,
        epochs: run.epochs,
        learningRate: run.learningRate,
        seed: args.seed,
      });
      // The time limit is the trainer's, as on the page: the run ends done, tested, when it is up.
      const config = plan ? withPlan(settings, plan) : { ...settings, ...(args.minutes && { timeLimitMinutes: args.minutes }) };
      // Overlays are for the page's eyes; headless they only cost time.
      config.overlayCount = 0;
      const stepsPerEpoch = Math.ceil(split.train.pairs / config.batchSize);
      const deadline = args.minutes ? Date.now() + args.minutes * 60_000 : null;
      progress = new TrainProgress(line, stepsPerEpoch * config.epochs, config.epochs, deadline);
      let stopRequested = false;
      stop = () => {
        if (stopRequested) return;
        stopRequested = true;
        void studio.call('stop').catch(() => undefined);
      };
      const outcome: TrainOutcome = await studio.call('train', config, `cli ${path.basename(dataDir)}`);
      if (outcome.status === 'done' && args.minutes && outcome.history.length < config.epochs) state.stopReason = `time limit of ${args.minutes} min reached`;
      line.end();
      let test = outcome.test;
      if (outcome.status === 'stopped' && outcome.steps > 0) {
        line.log(`stopped (${state.stopReason ?? 'by request'}) after ${outcome.steps} steps; testing the model as it stands...`);
        test = await studio.call('testNow');
      }
      const exported = outcome.steps > 0 ? writeExport(await studio.call('exportZip'), outDir) : [];
      const completed = outcome.history.length;
      const images = completed * split.train.pairs + Math.max(0, outcome.steps - completed * stepsPerEpoch) * config.batchSize;
      writeJson(path.join(outDir, 'report.json'), {
        ...base,
        params: outcome.params || base.params,
        status: outcome.status,
        reason: outcome.reason,
        message: state.stopReason ?? outcome.message,
        epochs: config.epochs,
        batchSize: config.batchSize,
        learningRate: config.optimizer.learningRate,
        schedule: config.schedule.name,
        minutes: args.minutes,
        recipe: plan && {
          minutes: plan.minutes,
          backend: plan.backend,
          chosen: plan.candidate,
          fits: plan.fits,
          epochs: plan.epochs,
          totalSteps: plan.totalSteps,
          warmupSteps: plan.warmupSteps,
          smallFirst: plan.smallFirst ?? null,
          candidates: plan.rows.map(({ candidate, msPerStep, msPerSmallStep, note, epochsInBudget }) => ({
            ...candidate,
            msPerStep,
            ...(msPerSmallStep !== undefined && { msPerSmallStep }),
            note: note ?? null,
            epochsInBudget,
          })),
          why: plan.why,
        },
        steps: outcome.steps,
        history: outcome.history.map(({ epoch, trainLoss, valLoss, dice, iou, precision, recall, accuracy, seconds, imagesPerSecond }) => ({
          epoch,
          trainLoss,
          valLoss,
          dice,
          iou,
          precision,
          recall,
          accuracy,
          seconds,
          imagesPerSecond,
        })),
        ...testFields(test),
        files: exported,
        trainSeconds: outcome.trainSeconds,
        wallSeconds: (Date.now() - started) / 1000,
        imagesPerSecond: outcome.trainSeconds > 0 ? images / outcome.trainSeconds : 0,
      });
      if (test)
        line.log(
          `test (${split.test.pairs} pairs): dice ${test.mean.dice.toFixed(4)}, iou ${test.mean.iou.toFixed(4)}, precision ${test.mean.precision.toFixed(4)}, recall ${test.mean.recall.toFixed(4)}, accuracy ${test.mean.accuracy.toFixed(4)}`,
        );
      line.log(`wrote ${[...exported, 'report.json'].join(', ')} to ${outDir} (${formatDuration((Date.now() - started) / 1000)} in all)`);
      if (outcome.status === 'failed') throw new RunFailure(`the run failed: ${outcome.message}`);
      if (state.nan) throw new RunFailure('the run stopped on a NaN loss: lower --lr');
    },
  );
}

runMain(main);
