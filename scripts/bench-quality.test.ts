import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyCars, type QualityFigure } from '../bench/quality';
import { renderQuality } from '../bench/table';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the quality bench', () => {
  it('copies exactly the test cars, each photo with its mask', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'quality-data-'));
    dirs.push(data);
    mkdirSync(path.join(data, 'train'));
    mkdirSync(path.join(data, 'train_masks'));
    // A car whose id starts like another's must not come along (prefix match on "<car>_").
    for (const car of ['aaa', 'aaab', 'ccc']) {
      for (const angle of ['01', '02']) {
        writeFileSync(path.join(data, 'train', `${car}_${angle}.jpg`), car);
        writeFileSync(path.join(data, 'train_masks', `${car}_${angle}_mask.gif`), car);
      }
    }
    const out = path.join(data, 'test-cars');
    expect(copyCars(data, ['aaa', 'ccc'], out)).toBe(4);
    expect(readdirSync(path.join(out, 'train')).sort()).toEqual(['aaa_01.jpg', 'aaa_02.jpg', 'ccc_01.jpg', 'ccc_02.jpg']);
    expect(readdirSync(path.join(out, 'train_masks')).sort()).toEqual(['aaa_01_mask.gif', 'aaa_02_mask.gif', 'ccc_01_mask.gif', 'ccc_02_mask.gif']);
    // Run again with other cars: the folder holds only those.
    expect(copyCars(data, ['aaab'], out)).toBe(2);
    expect(readdirSync(path.join(out, 'train')).sort()).toEqual(['aaab_01.jpg', 'aaab_02.jpg']);
  });

  it('prints what trained, how far, and each score in its row', () => {
    const figure: QualityFigure = {
      trainCommand: 'npm run train -- --data ../shared/data/carvana512-sample --minutes 10 --seed 1 --out m',
      predictCommand: 'npm run predict -- --model m --data t --report p.json --no-tta',
      predictFlipTtaCommand: 'npm run predict -- --model m --data t --report f.json',
      minutes: 10,
      preset: 'transunet',
      base: 16,
      size: [128, 192],
      batch: 4,
      learningRate: 0.001,
      schedule: 'warmup-cosine',
      backend: 'wasm',
      threads: 2,
      recipe: 'Chose transunet at 128x192, batch 4: ...',
      steps: 612,
      epochs: 5,
      imagesPerSecond: 4.25,
      trainSeconds: 580.4,
      valDice: { best: 0.97512, last: 0.9701 },
      trainerTest: { dice: 0.97, iou: 0.94 },
      test: {
        pairs: 48,
        model: { dice: 0.97261, iou: 0.9468, wrongPixels: 0.010349 },
        photoBilinear: { dice: 0.9712, iou: 0.944 },
        photoGuided: { dice: 0.97388, iou: 0.9491 },
      },
      testFlipTta: { model: { dice: 0.97584, iou: 0.9527, wrongPixels: 0.009912 }, photoGuided: { dice: 0.97731, iou: 0.95562 } },
      out: 'm',
    };
    const text = renderQuality(figure);
    expect(text).toContain('612 steps, 5 epochs in 580 s (4.25 images/s)');
    expect(text).toContain('trained transunet (width 16) at 128x192, batch 4, warmup-cosine from 0.001, on wasm x2:');
    expect(text).toMatch(/\| validation, best epoch\s+\| 0\.9751 \| -/);
    expect(text).toMatch(/\| test \(48 pairs\), model size 128x192\s+\| 0\.9726 \| 0\.9468 \|/);
    expect(text).toMatch(/\| test, photo size, edge-aware\s+\| 0\.9739 \| 0\.9491 \|/);
    expect(text).toMatch(/\| test, model size, flip TTA\s+\| 0\.9758 \| 0\.9527 \|/);
    expect(text).toMatch(/\| test, photo size, edge-aware, flip TTA \| 0\.9773 \| 0\.9556 \|/);
    expect(text).toContain("wrong pixels on the test cars at the model's size: 1.03%, 0.99% with flip TTA");
    expect(text).toContain('and: npm run predict -- --model m --data t --report f.json');
  });
});
