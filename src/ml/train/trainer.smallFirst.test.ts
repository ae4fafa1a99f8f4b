import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { NO_AUGMENT } from '../../data/augment';
import { chunk, epochOrder, makeBatch } from '../../data/batches';
import { splitView } from '../../data/dataset';
import { ellipseDataset } from '../../data/shapes';
import { hybridLoss } from '../loss';
import { buildPreset } from '../model/build';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config';
import { checkSmallFirst } from './smallFirst';
import { createOptimizer } from './optimizer';
import { Trainer, type TrainerData } from './trainer';
import { recorder } from './trainer.fixtures';

const [H, W] = [32, 64];
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const all = ellipseDataset(16, H, W, 5);
const data: TrainerData = { train: splitView(all, range(0, 8)), val: splitView(all, range(8, 4)), test: splitView(all, range(12, 4)) };
const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  preset: 'tiny',
  height: H,
  width: W,
  batchSize: 4,
  epochs: 2,
  augment: NO_AUGMENT,
  overlayCount: 2,
  smallFirst: { height: 16, width: 32, steps: 2 },
};

/** 2x2 block means of an [B, H, W, C] array, by hand: the half-size batch the first steps must see. */
function halve(values: Float32Array, [b, h, w, c]: number[]): tf.Tensor4D {
  const out = new Float32Array((b * h * w * c) / 4);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h / 2; y++)
      for (let x = 0; x < w / 2; x++)
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => values[((n * h + yy) * w + xx) * c + k];
          out[((n * (h / 2) + y) * (w / 2) + x) * c + k] = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        }
  return tf.tensor4d(out, [b, h / 2, w / 2, c]);
}

describe('Trainer: small images first', () => {
  it('trains its first steps on half-size batches with the same weights, then at the run size', async () => {
    const model = buildPreset('tiny', { height: H, width: W });
    // The reference: the same weights in a model built at 16x32, on the first batch halved by hand.
    const reference = buildPreset('tiny', { height: 16, width: 32 });
    // tiny has a ViT bottleneck too: its 2x4 position table becomes the 1x2 table of its 2x2 block means.
    const weights = model.getWeights().map((w, i) => {
      if (w.shape[0] === reference.getWeights()[i].shape[0]) return w;
      const table = w.arraySync() as number[][];
      return tf.tensor2d([0, 2].map((c) => table[c].map((_, k) => (table[c][k] + table[c + 1][k] + table[c + 4][k] + table[c + 5][k]) / 4)));
    });
    expect(weights.filter((w, i) => w !== model.getWeights()[i])).toHaveLength(1);
    reference.setWeights(weights);
    const first = makeBatch(data.train, chunk(epochOrder(8, config.seed, 0), 4)[0]);
    const [x, y] = [halve(first.x.dataSync() as Float32Array, first.x.shape), halve(first.y.dataSync() as Float32Array, first.y.shape)];
    const expected = tf.tidy(() => hybridLoss(reference.apply(x, { training: true }) as tf.Tensor, y, config.loss).dataSync()[0]);
    tf.dispose([first.x, first.y, x, y]);
    reference.dispose();

    const { recorded, hooks, bind } = recorder();
    const trainer = bind(new Trainer(model, createOptimizer(config.optimizer), config, data, hooks));
    expect(await trainer.run()).toBe('done');
    expect(recorded.steps).toHaveLength(4);
    expect(Math.abs(recorded.steps[0].loss - expected)).toBeLessThan(1e-5);
    expect(recorded.statuses.filter((s) => s.startsWith('training'))).toEqual([
      'training/null: Training on small images first: 16x32 until step 2, then 32x64',
      'training/null: Training',
    ]);
    // Validation and overlays are at the run's size throughout.
    expect(recorded.overlays.map((o) => o.size)).toEqual([H * W, H * W]);
    // The same tensors held after every step, small or not, across an evaluation and checkpoints.
    expect(new Set(recorded.numTensors).size).toBe(1);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('rejects a size that is not a multiple of 16 or larger than the run, naming both sizes', () => {
    expect(() => checkSmallFirst({ ...config, smallFirst: { height: 8, width: 16, steps: 3 } })).toThrow(
      "Small images first at 8x16: each side must be a multiple of 16 and at most the run's 32x64.",
    );
    expect(() => checkSmallFirst({ ...config, smallFirst: { height: 48, width: 64, steps: 3 } })).toThrow('at most the run');
    expect(() => checkSmallFirst({ ...config, smallFirst: { height: 16, width: 32, steps: 1.5 } })).toThrow('whole number');
    expect(() => checkSmallFirst(config)).not.toThrow();
  });
});
