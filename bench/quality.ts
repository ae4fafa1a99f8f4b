/**
 * `npm run bench -- --only quality --minutes 10`: what a person without a GPU gets in M minutes. It runs
 * the two commands a person would, as child processes: `npm run train -- --data SAMPLE --minutes M` (the
 * recipe, or the settings in --train-args), then `npm run predict` on the test split's cars (never
 * trained on, never used to choose a checkpoint), which scores at the model's size and at the photo's.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../src/cli/headlessStudio';

export interface Scores {
  dice: number;
  iou: number;
}

export interface QualityFigure {
  /** The two commands, as run (paths relative to the repository). */
  trainCommand: string;
  predictCommand: string;
  minutes: number;
  /** What trained: the recipe's choice, or the settings --train-args fixed. */
  preset: string;
  /** Channels of the first encoder block (the preset's own unless set). */
  base: number;
  size: [number, number];
  batch: number;
  learningRate: number;
  schedule: string;
  backend: string;
  threads: number | null;
  /** The recipe's decision, last line of its why (null when --train-args fixed everything the recipe picks). */
  recipe: string | null;
  steps: number;
  epochs: number;
  imagesPerSecond: number;
  trainSeconds: number;
  valDice: { best: number | null; last: number | null };
  /** The trainer's own test pass at the end of the run (the final model, at the model's size, from the decoded pairs). */
  trainerTest: Scores | null;
  /** predict --no-tta on the test cars' files: at the model's size (with its share of wrong pixels), and at the photo's (bilinear and edge-aware). */
  test: { pairs: number; model: Scores & { wrongPixels: number }; photoBilinear: Scores; photoGuided: Scores } | null;
  /** The same with predict's default, flip test-time augmentation: what a person's masks and cut-outs get. */
  predictFlipTtaCommand: string;
  testFlipTta: { model: Scores & { wrongPixels: number }; photoGuided: Scores } | null;
  out: string;
}

interface TrainReport {
  preset: string;
  base: number;
  size: [number, number];
  batchSize: number;
  learningRate: number;
  schedule: string;
  backend: string;
  threads?: number;
  steps: number;
  imagesPerSecond: number;
  trainSeconds: number;
  history: Array<{ dice: number }>;
  test: { dice: number; iou: number } | null;
  recipe: { why: string[] } | null;
  split: { test: { groups: string[] } };
}

interface PredictReport {
  pairs: number;
  dice: number;
  iou: number;
  accuracy: number;
  photo: { bilinear: Scores; guided: Scores };
}

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function run(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its progress goes straight to this terminal; the figures come from the report files.
    const child = spawn(TSX, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.relative(ROOT, script)} exited with ${code}`))));
  });
}

/** The Kaggle-layout pairs of `cars` copied out of `data` (the test split, by car). */
export function copyCars(data: string, cars: readonly string[], out: string): number {
  rmSync(out, { recursive: true, force: true });
  for (const folder of ['train', 'train_masks']) mkdirSync(path.join(out, folder), { recursive: true });
  const images = readdirSync(path.join(data, 'train')).filter((name) => cars.some((car) => name.startsWith(`${car}_`)));
  for (const name of images) {
    const mask = `${name.replace(/\.[^.]+$/, '')}_mask.gif`;
    copyFileSync(path.join(data, 'train', name), path.join(out, 'train', name));
    copyFileSync(path.join(data, 'train_masks', mask), path.join(out, 'train_masks', mask));
  }
  return images.length;
}

const scores = (s: Scores): Scores => ({ dice: s.dice, iou: s.iou });

export async function measureQuality(data: string, minutes: number, trainArgs: string[], workDir: string, log: (line: string) => void): Promise<QualityFigure> {
  const out = path.join(workDir, 'model');
  rmSync(out, { recursive: true, force: true });
  const trainFlags = ['--data', data, '--minutes', String(minutes), '--seed', '1', ...trainArgs, '--out', out];
  const shown = (args: string[]) => args.map((a) => (path.isAbsolute(a) ? path.relative(ROOT, a) : a)).join(' ');
  const trainCommand = `npm run train -- ${shown(trainFlags)}`;
  log(`quality: ${trainCommand}`);
  await run(path.join(ROOT, 'src/cli/train.ts'), trainFlags);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as TrainReport;

  const testCars = path.join(workDir, 'test-cars');
  const pairs = copyCars(data, report.split.test.groups, testCars);
  const predictOn = (report: string, ...flags: string[]) => ['--model', out, '--data', testCars, '--report', report, ...flags];
  const predictFlags = predictOn(path.join(workDir, 'predict-test.json'), '--no-tta');
  const predictFlipFlags = predictOn(path.join(workDir, 'predict-test-flip-tta.json'));
  const predictCommand = `npm run predict -- ${shown(predictFlags)}`;
  const predictFlipTtaCommand = `npm run predict -- ${shown(predictFlipFlags)}`;
  const predictTest = async (flags: string[]): Promise<PredictReport> => {
    log(`quality: npm run predict -- ${shown(flags)} (${pairs} test pairs of ${report.split.test.groups.length} cars)`);
    await run(path.join(ROOT, 'src/cli/predict.ts'), flags);
    return JSON.parse(readFileSync(flags[flags.indexOf('--report') + 1]!, 'utf8')) as PredictReport;
  };
  const modelScores = (predicted: PredictReport) => ({ ...scores(predicted), wrongPixels: 1 - predicted.accuracy });
  let test: QualityFigure['test'] = null;
  let testFlipTta: QualityFigure['testFlipTta'] = null;
  if (pairs > 0 && existsSync(path.join(out, 'model.json'))) {
    const predicted = await predictTest(predictFlags);
    test = {
      pairs: predicted.pairs,
      model: modelScores(predicted),
      photoBilinear: scores(predicted.photo.bilinear),
      photoGuided: scores(predicted.photo.guided),
    };
    const mirrored = await predictTest(predictFlipFlags);
    testFlipTta = { model: modelScores(mirrored), photoGuided: scores(mirrored.photo.guided) };
  } else log(`quality: nothing to score (${pairs} test pairs, model ${existsSync(path.join(out, 'model.json')) ? 'written' : 'not written'})`);

  const dices = report.history.map((h) => h.dice);
  return {
    trainCommand,
    predictCommand,
    minutes,
    preset: report.preset,
    base: report.base,
    size: report.size,
    batch: report.batchSize,
    learningRate: report.learningRate,
    schedule: report.schedule,
    backend: report.backend,
    threads: report.threads ?? null,
    recipe: report.recipe ? report.recipe.why[report.recipe.why.length - 1]! : null,
    steps: report.steps,
    epochs: dices.length,
    imagesPerSecond: report.imagesPerSecond,
    trainSeconds: report.trainSeconds,
    valDice: { best: dices.length ? Math.max(...dices) : null, last: dices.length ? dices[dices.length - 1]! : null },
    trainerTest: report.test && scores(report.test),
    test,
    predictFlipTtaCommand,
    testFlipTta,
    out,
  };
}
