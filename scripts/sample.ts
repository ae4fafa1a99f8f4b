/**
 * Writes a synthetic Carvana-layout dataset:
 *   DIR/train/<id>_<NN>.jpg, DIR/train_masks/<id>_<NN>_mask.gif, DIR/index.json
 * Usage: npm run sample -- --out DIR [--cars 8] [--size 192x128] [--seed 1]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeJpeg, encodeMaskGif } from '../src/data/encode';
import { hashString } from '../src/data/random';
import { ANGLES_PER_CAR, carId, renderCarScene } from '../src/data/synthetic';

export interface SampleOptions {
  out: string;
  cars: number;
  width: number;
  height: number;
  seed: number;
}

/** What index.json holds: enough for a web page to fetch every file and to say what it is. */
export interface SampleIndex {
  generator: string;
  seed: number;
  cars: number;
  width: number;
  height: number;
  /** Paths relative to the folder holding index.json, sorted: train/*.jpg, then train_masks/*_mask.gif. */
  files: string[];
}

const USAGE = 'usage: npm run sample -- --out DIR [--cars N (default 8)] [--size WxH (default 192x128)] [--seed S (default 1)]';

export class UsageError extends Error {}

/** Parses and checks the command line; throws UsageError with a message that says what to fix. */
export function parseSampleArgs(argv: string[]): SampleOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!['--out', '--cars', '--size', '--seed'].includes(flag)) throw new UsageError(`unknown argument "${flag}"\n${USAGE}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value\n${USAGE}`);
    values.set(flag, value);
    i++;
  }
  const out = values.get('--out');
  if (!out) throw new UsageError(`--out DIR is required\n${USAGE}`);

  const cars = Number(values.get('--cars') ?? '8');
  if (!Number.isInteger(cars) || cars < 1 || cars > 10_000) {
    throw new UsageError(`--cars must be a whole number from 1 to 10000, got "${values.get('--cars')}"`);
  }
  const size = values.get('--size') ?? '192x128';
  const match = /^(\d+)x(\d+)$/.exec(size);
  const width = match ? Number(match[1]) : Number.NaN;
  const height = match ? Number(match[2]) : Number.NaN;
  if (!match || width < 8 || height < 8 || width > 8192 || height > 8192) {
    throw new UsageError(`--size must be WIDTHxHEIGHT with each side 8..8192, e.g. 192x128 or 1918x1280; got "${size}"`);
  }
  const seed = Number(values.get('--seed') ?? '1');
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a whole number, got "${values.get('--seed')}"`);
  return { out, cars, width, height, seed };
}

/**
 * Refuses to write into folders holding files this script did not make, and removes the files a
 * previous run listed, so a smaller rerun leaves no stale pairs behind.
 */
function prepareOutput(out: string): void {
  const indexPath = join(out, 'index.json');
  if (existsSync(indexPath)) {
    const previous = JSON.parse(readFileSync(indexPath, 'utf8')) as Partial<SampleIndex>;
    for (const file of previous.files ?? []) rmSync(join(out, file), { force: true });
  }
  for (const folder of ['train', 'train_masks']) {
    const path = join(out, folder);
    if (existsSync(path) && readdirSync(path).length > 0) {
      throw new UsageError(`${path} already holds files this script did not write; choose an empty --out folder`);
    }
  }
  mkdirSync(join(out, 'train'), { recursive: true });
  mkdirSync(join(out, 'train_masks'), { recursive: true });
}

/** Renders and writes the dataset; returns the index it wrote. */
export function writeSample(options: SampleOptions): SampleIndex {
  const { out, cars, width, height, seed } = options;
  prepareOutput(out);
  const files: string[] = [];
  for (let car = 0; car < cars; car++) {
    const carSeed = hashString(`sample:${seed}:${car}`);
    const id = carId(carSeed);
    for (let angleIndex = 0; angleIndex < ANGLES_PER_CAR; angleIndex++) {
      const stem = `${id}_${String(angleIndex + 1).padStart(2, '0')}`;
      const { rgb, mask } = renderCarScene({ carSeed, angleIndex, width, height });
      const image = `train/${stem}.jpg`;
      const maskFile = `train_masks/${stem}_mask.gif`;
      writeFileSync(join(out, image), encodeJpeg(rgb, width, height, 90));
      writeFileSync(join(out, maskFile), encodeMaskGif(mask, width, height));
      files.push(image, maskFile);
    }
  }
  files.sort();
  const index: SampleIndex = { generator: 'scripts/sample.ts (src/data/synthetic.ts)', seed, cars, width, height, files };
  writeFileSync(join(out, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  return index;
}

function main(): void {
  try {
    const options = parseSampleArgs(process.argv.slice(2));
    const started = Date.now();
    const index = writeSample(options);
    const pairs = index.files.length / 2;
    console.log(
      `wrote ${pairs} pairs (${options.cars} cars x ${ANGLES_PER_CAR} angles, ${options.width}x${options.height}) to ${resolve(options.out)} in ${Date.now() - started} ms`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
