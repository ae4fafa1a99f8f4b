/** The folders the bench loads: the real 512x512 sample (if this checkout sits beside it) and generated pairs. */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { writeSample } from '../scripts/sample';
import { ROOT } from '../src/cli/headlessStudio';

export const CACHE = path.join(ROOT, 'node_modules/.cache/studio-cli');
export const CARVANA_SAMPLE = path.resolve(ROOT, '../shared/data/carvana512-sample');

/** Generated Carvana-like pairs at the competition's 1918x1280, made once and kept in the cache. */
export function generatedLarge(cars = 2): string {
  const dir = path.join(CACHE, `bench-1918x1280-${cars}cars`);
  if (!existsSync(path.join(dir, 'index.json'))) writeSample({ out: dir, cars, width: 1918, height: 1280, seed: 1 });
  return dir;
}

/**
 * A small training set: the first `cars` cars (16 angles each) of the real sample, or generated cars
 * when it is not there. 5 cars split 3/1/1 by car: 48 train pairs, 12 steps an epoch at batch 4.
 */
export function trainingSubset(cars = 5): { dir: string; source: string } {
  if (!existsSync(path.join(CARVANA_SAMPLE, 'train'))) {
    const dir = path.join(CACHE, `bench-generated-${cars}cars`);
    if (!existsSync(path.join(dir, 'index.json'))) writeSample({ out: dir, cars, width: 192, height: 128, seed: 1 });
    return { dir, source: `generated (scripts/sample.ts, ${cars} cars at 192x128)` };
  }
  const dir = path.join(CACHE, `bench-carvana512-${cars}cars`);
  const images = readdirSync(path.join(CARVANA_SAMPLE, 'train')).sort();
  const chosen = [...new Set(images.map((name) => name.slice(0, 12)))].slice(0, cars);
  for (const folder of ['train', 'train_masks']) mkdirSync(path.join(dir, folder), { recursive: true });
  for (const name of images.filter((n) => chosen.includes(n.slice(0, 12)))) {
    const stem = name.replace(/\.jpg$/, '');
    for (const [folder, file] of [
      ['train', name],
      ['train_masks', `${stem}_mask.gif`],
    ] as const) {
      const target = path.join(dir, folder, file);
      if (!existsSync(target)) copyFileSync(path.join(CARVANA_SAMPLE, folder, file), target);
    }
  }
  return { dir, source: `../shared/data/carvana512-sample, first ${cars} cars (${cars * 16} pairs)` };
}
