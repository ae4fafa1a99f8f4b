import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits, focalLoss, hybridLoss, softDice, DEFAULT_LOSS } from './loss';

// Worked by hand for logits [0, 2, -1] against targets [1, 1, 0] (one image of three pixels):
//   BCE terms: ln 2 = 0.693147, ln(1 + e^-2) = 0.126928, ln(1 + e^-1) = 0.313262 -> mean 0.377779
//   sigmoid: 0.5, 0.880797, 0.268941; soft Dice = (2 * 1.380797 + 1) / (1.649738 + 2 + 1) = 0.808990
//   hybrid 0.2 / 0.8 = 0.2 * 0.377779 + 0.8 * (1 - 0.808990) = 0.228363
//   focal (gamma 2): mean of (1 - p_t)^2 * BCE = (0.173287 + 0.001804 + 0.022658) / 3 = 0.065916
const TOLERANCE = 1e-5;
const logits = () => tf.tensor4d([0, 2, -1], [1, 1, 3, 1]);
const targets = () => tf.tensor4d([1, 1, 0], [1, 1, 3, 1]);

async function value(make: () => tf.Scalar): Promise<number> {
  const t = make();
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

describe('losses on logits', () => {
  it('BCE matches the hand value', async () => {
    expect(await value(() => tf.tidy(() => bceWithLogits(logits(), targets())))).toBeCloseTo(0.377779, 5);
  });

  it("differs from the seed's BCE-on-probabilities bug", async () => {
    const correct = await value(() => tf.tidy(() => bceWithLogits(logits(), targets())));
    const seedBug = await value(() => tf.tidy(() => bceWithLogits(tf.sigmoid(logits()), targets())));
    expect(seedBug).toBeCloseTo(0.552484, 5);
    expect(Math.abs(seedBug - correct)).toBeGreaterThan(0.1);
  });

  it('BCE is finite and exact for saturated logits (the stable form)', async () => {
    const bce = await value(() => tf.tidy(() => bceWithLogits(tf.tensor4d([100, -100], [1, 1, 2, 1]), tf.tensor4d([0, 1], [1, 1, 2, 1]))));
    expect(bce).toBeCloseTo(100, 3);
  });

  it('soft Dice and the hybrid match the hand values', async () => {
    expect(await value(() => tf.tidy(() => softDice(logits(), targets())))).toBeCloseTo(0.80899, 5);
    const hybrid = await value(() => tf.tidy(() => hybridLoss(logits(), targets(), DEFAULT_LOSS)));
    expect(Math.abs(hybrid - 0.228363)).toBeLessThan(TOLERANCE);
  });

  it('soft Dice is a per-image mean', async () => {
    // Image 1 is the example above (0.808990); image 2 is all background, predicted at p = 0.5:
    // (0 + 1) / (1.5 + 0 + 1) = 0.4. Mean = 0.604495.
    const dice = await value(() => tf.tidy(() => softDice(tf.tensor4d([0, 2, -1, 0, 0, 0], [2, 1, 3, 1]), tf.tensor4d([1, 1, 0, 0, 0, 0], [2, 1, 3, 1]))));
    expect(dice).toBeCloseTo(0.604495, 5);
  });

  it('focal loss matches the hand value', async () => {
    expect(await value(() => tf.tidy(() => focalLoss(logits(), targets(), 2)))).toBeCloseTo(0.065916, 5);
  });

  it('hybrid with only a focal weight equals the focal loss', async () => {
    const hybrid = await value(() => tf.tidy(() => hybridLoss(logits(), targets(), { bce: 0, dice: 0, focal: 1, focalGamma: 2 })));
    expect(hybrid).toBeCloseTo(0.065916, 5);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const x = logits();
    const y = targets();
    tf.dispose([hybridLoss(x, y, { bce: 1, dice: 1, focal: 1, focalGamma: 2 }), bceWithLogits(x, y)]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
