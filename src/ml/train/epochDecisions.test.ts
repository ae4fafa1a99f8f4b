import { describe, expect, it } from 'vitest';
import type { EpochRecord } from './config';
import { EpochDecisions, type EpochDecision } from './epochDecisions';
import { DEFAULT_SCHEDULE } from './schedule';

const CONFIG = { schedule: { ...DEFAULT_SCHEDULE, name: 'plateau' as const, patience: 2, factor: 0.5 }, earlyStoppingPatience: 3 };

function records(dice: readonly number[]): EpochRecord[] {
  return dice.map((d, i) => ({
    epoch: i + 1,
    step: 0,
    trainLoss: 0,
    valLoss: 0,
    learningRate: 0,
    seconds: 0,
    imagesPerSecond: 0,
    dice: d,
    iou: 0,
    precision: 0,
    recall: 0,
    accuracy: 0,
  }));
}

/** The decisions of epochs `from`.. of `dice`, for a tracker rebuilt from the epochs before `from`. */
function decide(dice: readonly number[], from = 0): Array<EpochDecision & { multiplier: number }> {
  const decisions = new EpochDecisions(CONFIG, records(dice.slice(0, from)));
  return dice.slice(from).map((d, i) => ({ ...decisions.endEpoch(from + i, d), multiplier: decisions.plateauMultiplier }));
}

describe('EpochDecisions', () => {
  it('lowers the rate after 2 flat epochs and stops after 3, as worked out by hand', () => {
    // Best at epoch 1, then flat: plateau lowers at epochs 3 and 5 (its count restarts after each
    // lowering); early stopping counts 1, 2, 3 and stops at epoch 4.
    const made = decide([0.8, 0.7, 0.75, 0.6, 0.79]);
    expect(made.map((d) => d.newBest)).toEqual([true, false, false, false, false]);
    expect(made.map((d) => d.lowered)).toEqual([false, false, true, false, true]);
    expect(made.map((d) => d.multiplier)).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect(made.map((d) => d.stop)).toEqual([false, false, false, true, true]);
  });

  it('rebuilt from the history at any epoch, decides the rest as an uninterrupted run', () => {
    const sequences = [
      [0.5, 0.6, 0.6, 0.55, 0.7, 0.69, 0.68, 0.71, 0.7, 0.7],
      [0.9, 0.1, 0.2, 0.3, 0.95, 0.94, NaN, 0.96, 0.9, 0.9],
    ];
    for (const dice of sequences) {
      const uninterrupted = decide(dice);
      for (let from = 1; from < dice.length; from++) expect(decide(dice, from)).toEqual(uninterrupted.slice(from));
    }
  });

  it('applies no plateau factor on other schedules', () => {
    const decisions = new EpochDecisions({ ...CONFIG, schedule: DEFAULT_SCHEDULE }, records([0.9, 0.1, 0.1, 0.1]));
    expect(decisions.plateauMultiplier).toBe(1);
    expect(decisions.endEpoch(4, 0.1)).toEqual({ newBest: false, lowered: false, stop: true });
  });
});
