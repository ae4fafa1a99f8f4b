import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from '../ml/backendNames';
import { parseBenchArgs, parsePredictArgs, parseTrainArgs, UsageError } from './args';
import { checkDataDir, relativeTo } from './files';

const base = ['--data', 'cars', '--out', 'out'];

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseTrainArgs', () => {
  it('takes the studio defaults when only --data and --out are given', () => {
    expect(parseTrainArgs(base)).toEqual({
      data: 'cars',
      out: 'out',
      preset: 'tiny',
      height: 64,
      width: 96,
      epochs: 10,
      minutes: null,
      base: 0,
      batchSize: 4,
      learningRate: 3e-3,
      backend: 'auto',
      seed: 1,
      threads: 0,
      recipe: null,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const args = parseTrainArgs([
      ...base,
      '--preset',
      'transunet',
      '--size=256x384',
      '--epochs',
      '3',
      '--batch',
      '8',
      '--lr',
      '1e-4',
      '--backend',
      'cpu',
      '--seed',
      '7',
      '--threads',
      '2',
      '--base=8',
    ]);
    expect(args).toMatchObject({
      base: 8,
      preset: 'transunet',
      height: 256,
      width: 384,
      epochs: 3,
      batchSize: 8,
      learningRate: 1e-4,
      backend: 'cpu',
      seed: 7,
      threads: 2,
    });
    expect(() => parseTrainArgs([...base, '--threads', '1.5'])).toThrow('--threads 1.5: wasm threads must be a whole number.');
    expect(() => parseTrainArgs([...base, '--base', '200'])).toThrow(/^--base 200: Width \(channels\) must be/);
  });

  it("uses a preset's own input size when --size is not given", () => {
    expect(parseTrainArgs([...base, '--preset', 'transunet'])).toMatchObject({ height: 128, width: 192 });
    expect(parseTrainArgs([...base, '--preset', 'seed-unet'])).toMatchObject({ height: 256, width: 256 });
  });

  it('lets --minutes without --epochs take the recipe, with what the flags fixed', () => {
    expect(parseTrainArgs([...base, '--minutes', '5']).recipe).toEqual({ fixed: {}, learningRate: null });
    expect(parseTrainArgs([...base, '--minutes', '5', '--preset', 'transunet', '--batch', '2', '--lr', '1e-3']).recipe).toEqual({
      fixed: { preset: 'transunet', batchSize: 2 },
      learningRate: 1e-3,
    });
    expect(parseTrainArgs([...base, '--minutes', '5', '--size', '32x48']).recipe).toEqual({ fixed: { height: 32, width: 48 }, learningRate: null });
    // --epochs (or no --minutes) keeps the flags and defaults as they are.
    expect(parseTrainArgs([...base, '--minutes', '5', '--base', '8']).recipe).toEqual({ fixed: { base: 8 }, learningRate: null });
    expect(parseTrainArgs([...base, '--minutes', '5', '--epochs', '3']).recipe).toBeNull();
    expect(parseTrainArgs([...base, '--preset', 'transunet']).recipe).toBeNull();
  });

  it('takes --small-first as a share of the recipe time budget, and refuses it elsewhere', () => {
    expect(parseTrainArgs([...base, '--minutes', '5', '--small-first', '0.3']).recipe).toEqual({ fixed: { smallFirst: 0.3 }, learningRate: null });
    // 0 turns it off for every candidate.
    expect(parseTrainArgs([...base, '--minutes', '5', '--small-first', '0']).recipe?.fixed).toEqual({ smallFirst: 0 });
    expect(() => parseTrainArgs([...base, '--epochs', '3', '--small-first', '0.3'])).toThrow(
      '--small-first is a share of the time budget: give it with --minutes',
    );
    expect(() => parseTrainArgs([...base, '--minutes', '5', '--small-first', '1'])).toThrow(
      '--small-first must be a share from 0 to below 1, e.g. 0.3; got "1"',
    );
    expect(() => parseTrainArgs([...base, '--minutes', '5', '--small-first', 'half'])).toThrow('got "half"');
    // 48x80 halves to 24x40: not a multiple of 16.
    expect(() => parseTrainArgs([...base, '--minutes', '5', '--size', '48x80', '--small-first', '0.3'])).toThrow(
      '--small-first with --size 48x80: half of each side must be a multiple of 16 too',
    );
  });

  it('lets --minutes alone run until the time is up, and --epochs 0 only load', () => {
    expect(parseTrainArgs([...base, '--minutes', '1.5'])).toMatchObject({ minutes: 1.5, epochs: 1000 });
    expect(parseTrainArgs([...base, '--minutes', '2', '--epochs', '4'])).toMatchObject({ minutes: 2, epochs: 4 });
    expect(parseTrainArgs([...base, '--epochs', '0'])).toMatchObject({ epochs: 0 });
  });

  it.each([
    [['--out', 'out'], /--data DIR .* is required/],
    [['--data', 'cars'], /--out OUT .* is required/],
    [[...base, '--epoch', '3'], /unknown argument "--epoch"/],
    [[...base, 'extra'], /unknown argument "extra"/],
    [[...base, '--size', '128'], /--size must be HEIGHTxWIDTH/],
    [[...base, '--size', '100x150'], /--size 100x150: Input height 100 is not a positive multiple of 16 .*Try 96/],
    [[...base, '--preset', 'resnet'], /--preset must be one of seed-unet, unet, transunet, tiny/],
    [[...base, '--epochs', '-1'], /--epochs must be a whole number from 0 to 1000/],
    [[...base, '--epochs', '2.5'], /--epochs must be a whole number/],
    [[...base, '--minutes', '0'], /--minutes must be a number above 0/],
    [[...base, '--epochs', '0', '--minutes', '3'], /--epochs 0 only loads/],
    [[...base, '--batch', '0'], /--batch 0: Batch size must be between 1 and 64/],
    [[...base, '--lr', 'fast'], /--lr fast: Learning rate must be a number/],
    [[...base, '--backend', 'tpu'], new RegExp(`--backend must be one of auto, ${BACKEND_NAMES.join(', ')}`)],
    [[...base, '--seed', '1.5'], /--seed 1.5: Seed must be a whole number/],
    [[...base, '--data', 'again'], /--data is given twice/],
    [[...base, '--lr'], /--lr needs a value/],
    [['--data', '--out', 'out'], /--data needs a value/],
  ])('refuses %j', (argv, expected) => {
    expect(message(() => parseTrainArgs(argv))).toMatch(expected);
  });

  it('answers --help with the usage', () => {
    expect(message(() => parseTrainArgs(['--help']))).toMatch(/^usage: npm run train/);
  });
});

describe('parsePredictArgs', () => {
  it('reads the model, data and outputs', () => {
    expect(
      parsePredictArgs(['--model', 'out', '--data', 'cars', '--masks', 'm', '--cutouts', 'c', '--report', 'r.json', '--tta', '--threshold', '0.4']),
    ).toEqual({
      model: 'out',
      data: 'cars',
      report: 'r.json',
      masks: 'm',
      cutouts: 'c',
      backend: 'auto',
      threshold: 0.4,
      flipTta: true,
    });
  });

  it('mirrors by default (flip test-time augmentation); --no-tta turns it off', () => {
    expect(parsePredictArgs(['--model', 'out', '--data', 'cars']).flipTta).toBe(true);
    expect(parsePredictArgs(['--model', 'out', '--data', 'cars', '--no-tta']).flipTta).toBe(false);
  });

  it.each([
    [['--data', 'cars'], /--model OUT .* is required/],
    [['--model', 'out'], /--data DIR .* is required/],
    [['--model', 'out', '--data', 'cars', '--threshold', '1'], /Threshold must be between 0.01 and 0.99/],
    [['--model', 'out', '--data', 'cars', '--tta=yes'], /--tta takes no value/],
    [['--model', 'out', '--data', 'cars', '--tta', '--no-tta'], /--tta and --no-tta contradict each other/],
  ])('refuses %j', (argv, expected) => {
    expect(message(() => parsePredictArgs(argv))).toMatch(expected);
  });
});

describe('parseBenchArgs', () => {
  it('measures everything on every backend by default', () => {
    expect(parseBenchArgs([])).toEqual({
      json: null,
      peer: false,
      backends: [...BACKEND_NAMES],
      budgetSeconds: 60,
      sections: ['train', 'inference', 'ingest', 'memory'],
      presets: ['tiny', 'transunet', 'seed-unet16'],
      sizes: ['64x96', '128x192'],
      wasmThreads: [1, 2],
      minutes: 10,
      trainArgs: [],
    });
  });

  it('runs the ten-minute quality section only when named, with the train flags it is given', () => {
    expect(parseBenchArgs(['--only', 'quality', '--minutes', '2', '--train-args= --preset tiny  --lr 1e-3 '])).toMatchObject({
      sections: ['quality'],
      minutes: 2,
      trainArgs: ['--preset', 'tiny', '--lr', '1e-3'],
    });
  });

  it('narrows backends and sections', () => {
    expect(
      parseBenchArgs([
        '--json',
        'b.json',
        '--peer',
        '--backends',
        'webgl,cpu',
        '--only',
        'train',
        '--budget',
        '30',
        '--presets',
        'tiny',
        '--sizes',
        '128x192',
        '--wasm-threads',
        '2',
      ]),
    ).toMatchObject({
      json: 'b.json',
      peer: true,
      backends: ['webgl', 'cpu'],
      sections: ['train'],
      budgetSeconds: 30,
      presets: ['tiny'],
      sizes: ['128x192'],
      wasmThreads: [2],
    });
  });

  it.each([
    [['--backends', 'webgl,tpu'], new RegExp(`--backends takes a comma-separated list of ${BACKEND_NAMES.join(', ')}`)],
    [['--only', ''], /--only needs a value/],
    [['--budget', 'soon'], /--budget must be a number above 0/],
    [['--sizes', '256x384'], /--sizes takes a comma-separated list of 64x96, 128x192/],
    [['--wasm-threads', '1,0'], /--wasm-threads takes a comma-separated list of whole numbers from 1 to 64; got "1,0"/],
    [['--train-args=--preset tiny --out /tmp/x'], /--train-args: the quality section sets --out itself/],
    [['--minutes', '0'], /--minutes must be a number above 0/],
  ])('refuses %j', (argv, expected) => {
    expect(message(() => parseBenchArgs(argv))).toMatch(expected);
  });
});

describe('checkDataDir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cli-args-'));

  it('accepts a folder with files in it, at any depth', () => {
    mkdirSync(path.join(root, 'cars/train'), { recursive: true });
    writeFileSync(path.join(root, 'cars/train/a.jpg'), 'x');
    expect(checkDataDir(path.join(root, 'cars'))).toBe(path.join(root, 'cars'));
  });

  it('says what is wrong with a missing, empty or non-folder DIR', () => {
    mkdirSync(path.join(root, 'empty'));
    writeFileSync(path.join(root, 'file.txt'), 'x');
    expect(message(() => checkDataDir(path.join(root, 'nowhere')))).toMatch(/no such folder/);
    expect(message(() => checkDataDir(path.join(root, 'empty')))).toMatch(/the folder holds no files/);
    expect(message(() => checkDataDir(path.join(root, 'file.txt')))).toMatch(/not a folder/);
  });

  it('shows page paths relative to DIR', () => {
    expect(relativeTo('cars')('cars/train/a.jpg')).toBe('train/a.jpg');
    expect(relativeTo('cars')('other/a.jpg')).toBe('other/a.jpg');
  });
});
