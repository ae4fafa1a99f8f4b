import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsToConfig } from '../../settings';
import {
  BUDGET_USE,
  EPOCH_HEADROOM,
  CANDIDATES,
  candidatesWith,
  candidateLabel,
  cannotFit,
  chooseRecipe,
  halfSize,
  MIN_EPOCHS,
  recipeText,
  rowOf,
  withPlan,
  type Candidate,
  type Timing,
} from './recipe';

const [tiny64, transunet64, tiny128, narrow128, transunet128] = CANDIDATES;
// The rule's tests time four of them; the width-8 candidate has its own.
const FOUR = [tiny64, transunet64, tiny128, transunet128];
const timed = (ms: Array<number | null>): Timing[] => FOUR.map((candidate, i) => ({ candidate, msPerStep: ms[i] }));

describe('the recipe', () => {
  it('lists its candidates from least to most capacity, needs 6 epochs and plans on 90% of the budget (measured: BENCHMARKS.md)', () => {
    expect(CANDIDATES.map((c) => `${c.preset}${c.base ? ` w${c.base}` : ''} ${c.height}x${c.width} b${c.batchSize}`)).toEqual([
      'tiny 64x96 b4',
      'transunet 64x96 b4',
      'tiny 128x192 b4',
      'transunet w8 128x192 b4',
      'transunet 128x192 b4',
    ]);
    expect([MIN_EPOCHS, BUDGET_USE, EPOCH_HEADROOM]).toEqual([6, 0.9, 1.5]);
  });

  it('takes the last candidate that sees each image MIN_EPOCHS times; its schedule spans the steps that fit, with a 5% warm-up', () => {
    // By hand: 96 train pairs, batch 4 -> 24 steps; 16 val pairs -> 4 batches at 1/3 of a step:
    // an epoch is 25.333 steps' worth. 90% of 5 min = 270 s:
    // tiny64 100 ms -> 2.5333 s, 106.58 epochs; transunet64 400 ms -> 10.133 s, 26.645;
    // tiny128 500 ms -> 12.667 s, 21.316; transunet128 2000 ms -> 50.667 s, 5.329 (short of 6).
    const plan = chooseRecipe({ minutes: 5, trainPairs: 96, valPairs: 16, timings: timed([100, 400, 500, 2000]) });
    expect(plan.rows.map((r) => r.epochsInBudget)).toEqual([106.579, 26.645, 21.316, 5.329].map((e) => expect.closeTo(e, 3)));
    expect(plan.rows.map((r) => r.epochSeconds)).toEqual([2.5333, 10.1333, 12.6667, 50.6667].map((s) => expect.closeTo(s, 4)));
    expect(plan.candidate).toEqual(tiny128);
    expect(plan.fits).toBe(true);
    // floor(21.316 x 24) = floor(511.58) = 511 steps; up to ceil(21.316 / 0.9 x 1.5) = ceil(35.53) = 36 epochs;
    // warm-up round(511 * 0.05) = round(25.55) = 26.
    expect([plan.epochs, plan.stepsPerEpoch, plan.totalSteps, plan.warmupSteps]).toEqual([36, 24, 511, 26]);
    expect([plan.learningRate, plan.schedule]).toEqual([3e-3, 'warmup-cosine']);
    expect(plan.why).toEqual([
      'tiny at 64x96, batch 4: 100 ms a step, 24 steps + validation = 2.5 s an epoch, 106.6 epochs in 4.5 min',
      'transunet at 64x96, batch 4: 400 ms a step, 24 steps + validation = 10 s an epoch, 26.6 epochs in 4.5 min',
      'tiny at 128x192, batch 4: 500 ms a step, 24 steps + validation = 13 s an epoch, 21.3 epochs in 4.5 min',
      'transunet at 128x192, batch 4: 2000 ms a step, 24 steps + validation = 51 s an epoch, 5.3 epochs in 4.5 min',
      'Chose tiny at 128x192, batch 4: the candidate with the most capacity that sees each training image at least 6 times in 5 min ' +
        '(planned on 90% of the budget, the rest for checkpoints and a busy machine). ' +
        '511 steps (21.29 epochs of 24 steps; up to 36 epochs, the time limit ending the run); learning rate 0.003 warmed up over 26 steps, then cosine to 1% at step 511.',
    ]);
  });

  it('chooses transunet at width 8 from the step times measured here before the 10-minute runs (416 train, 48 val pairs)', () => {
    // An epoch is 104 steps + 12 val batches at a third = 108 steps' worth; 90% of 10 min = 540 s:
    // tiny128 334 ms -> 36.07 s, 14.97 epochs; width 8 594 ms -> 64.15 s, 8.42; width 16 1423 ms -> 153.7 s, 3.51 (short of 6).
    const ms = [85, 360, 334, 594, 1423];
    const plan = chooseRecipe({ minutes: 10, trainPairs: 416, valPairs: 48, timings: CANDIDATES.map((candidate, i) => ({ candidate, msPerStep: ms[i]! })) });
    expect(plan.rows.slice(2).map((r) => r.epochsInBudget)).toEqual([14.97, 8.418, 3.514].map((e) => expect.closeTo(e, 2)));
    expect(plan.candidate).toEqual(narrow128);
    // floor(8.418 x 104) = 875 steps, up to ceil(8.418 / 0.9 x 1.5) = ceil(14.03) = 15 epochs.
    expect([plan.totalSteps, plan.epochs]).toEqual([875, 15]);
    expect(plan.why.at(-1)).toMatch(
      /^Chose transunet width 8 at 128x192, batch 4: the candidate with the most capacity that sees each training image at least 6 times/,
    );
  });

  it('sets what only a plan sets on the config: the schedule and its span, the time limit, the text', () => {
    const plan = chooseRecipe({ minutes: 5, trainPairs: 96, valPairs: 16, timings: timed([100, 400, 500, 2000]) });
    const base = settingsToConfig(DEFAULT_SETTINGS);
    const config = withPlan(base, plan);
    expect(config.schedule).toEqual({ ...base.schedule, name: 'warmup-cosine', totalSteps: 511 });
    expect([config.timeLimitMinutes, config.recipe]).toEqual([5, recipeText(plan)]);
    expect(base.schedule.totalSteps).toBeUndefined(); // a copy: the settings' config is left as it was
  });

  it('is recorded as text: the backend, the candidates, the decision', () => {
    const plan = chooseRecipe({ minutes: 1, trainPairs: 96, valPairs: 16, timings: timed([200, null, null, null]) });
    const lines = recipeText({ ...plan, backend: 'wasm (the backend setting; not timed)' }).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('backend: wasm (the backend setting; not timed)');
    expect(lines.slice(1)).toEqual(plan.why);
    expect(recipeText(plan).split('\n')).toEqual(plan.why);
  });

  it('in a shorter budget falls back to a smaller candidate', () => {
    // 90% of 1 min = 54 s: tiny64 at 200 ms -> 5.0667 s an epoch, 10.66 epochs (fits); transunet64 400 ms -> 5.33 (does not).
    const plan = chooseRecipe({ minutes: 1, trainPairs: 96, valPairs: 16, timings: timed([200, 400, 500, 1500]) });
    expect(plan.candidate).toEqual(tiny64);
    // floor(10.658 x 24) = floor(255.79) = 255 steps, up to ceil(10.658 / 0.9 x 1.5) = ceil(17.76) = 18 epochs; warm-up round(12.75) = 13.
    expect([plan.epochs, plan.totalSteps, plan.warmupSteps]).toEqual([18, 255, 13]);
  });

  it('takes the fastest when nothing fits, and says so; keeps a fixed learning rate', () => {
    // tiny64 1000 ms -> 25.333 s an epoch, 2.13 epochs in 54 s; the others are slower.
    const plan = chooseRecipe({ minutes: 1, trainPairs: 96, valPairs: 16, timings: timed([1000, 3000, 4000, 9000]), learningRate: 1e-3 });
    // floor(2.1316 x 24) = floor(51.16) = 51 steps, up to ceil(2.1316 / 0.9 x 1.5) = ceil(3.55) = 4 epochs; warm-up round(2.55) = 3.
    expect([plan.candidate, plan.fits, plan.epochs, plan.totalSteps, plan.warmupSteps]).toEqual([tiny64, false, 4, 51, 3]);
    expect(plan.learningRate).toBe(1e-3);
    expect(plan.why.at(-1)).toMatch(/^Chose tiny at 64x96, batch 4: no candidate sees each training image 6 times in 1 min, so the fastest \(planned/);
    // Half a minute at 1000 ms a step: 27 / 25.333 = 1.066 epochs -> floor(25.58) = 25 steps, up to ceil(1.78) = 2 epochs, warm-up round(1.25) = 1 step.
    const one = chooseRecipe({ minutes: 0.5, trainPairs: 96, valPairs: 16, timings: timed([1000, null, null, null]) });
    expect(one.why.at(-1)).toMatch(
      /\. 25 steps \(1\.04 epochs of 24 steps; up to 2 epochs, the time limit ending the run\); learning rate 0\.003 warmed up over 1 step, then cosine to 1% at step 25\.$/,
    );
  });

  it('skips candidates that were not timed, and refuses when none was', () => {
    const plan = chooseRecipe({
      minutes: 5,
      trainPairs: 96,
      valPairs: 16,
      timings: timed([100, 400, 500, null]).map((t, i) => (i === 3 ? { ...t, note: 'out of memory' } : t)),
    });
    expect(plan.candidate).toEqual(tiny128);
    expect(plan.why[3]).toBe('transunet at 128x192, batch 4: not timed (out of memory)');
    expect(() => chooseRecipe({ minutes: 5, trainPairs: 96, valPairs: 16, timings: timed([null, null, null, null]) })).toThrow(/No candidate could be timed/);
    expect(() => chooseRecipe({ minutes: 0, trainPairs: 96, valPairs: 16, timings: timed([1, 1, 1, 1]) })).toThrow(/above 0 minutes/);
    expect(() => chooseRecipe({ minutes: 1, trainPairs: 0, valPairs: 16, timings: timed([1, 1, 1, 1]) })).toThrow(/train split is empty/);
  });

  it('plans small images first on its share of the time: half-size steps, validation at full size, then full steps', () => {
    // By hand: 96 train pairs, batch 4 -> 24 steps an epoch; 16 val pairs -> 4 batches at 1/3 of a 600 ms step,
    // 33.333 ms a training step amortised. 90% of 5 min = 270,000 ms, half of it each way:
    // floor(135,000 / (200 + 33.333)) = floor(578.57) = 578 small steps; 135,000 / (600 + 33.333) = 213.16 full steps;
    // (578 + 213.16) / 24 = 32.965 epochs; floor(791.16) = 791 steps, up to ceil(32.965 / 0.9 x 1.5) = ceil(54.94) = 55 epochs.
    const candidate: Candidate = { ...narrow128, smallFirst: 0.5 };
    const plan = chooseRecipe({ minutes: 5, trainPairs: 96, valPairs: 16, timings: [{ candidate, msPerStep: 600, msPerSmallStep: 200 }] });
    expect(plan.rows[0]!.smallSteps).toBe(578);
    expect(plan.rows[0]!.epochsInBudget).toBeCloseTo(32.965, 3);
    expect([plan.totalSteps, plan.epochs, plan.warmupSteps]).toEqual([791, 55, 40]);
    expect(plan.smallFirst).toEqual({ height: 64, width: 96, steps: 578 });
    expect(candidateLabel(candidate)).toBe('transunet width 8 at 128x192, 64x96 for the first 50% of the time, batch 4');
    expect(plan.why[0]).toBe(
      'transunet width 8 at 128x192, 64x96 for the first 50% of the time, batch 4: 600 ms a step (200 ms at half the size, 578 steps), ' +
        '24 steps + validation = 15 s an epoch, 33.0 epochs in 4.5 min',
    );
    expect(plan.why.at(-1)).toContain('the time limit ending the run; the first 578 steps on images at 64x96)');
    expect(withPlan(settingsToConfig(DEFAULT_SETTINGS), plan).smallFirst).toEqual({ height: 64, width: 96, steps: 578 });
    // The half-size candidate the planner times: the same model and batch at 64x96, without the phase.
    expect(halfSize(candidate)).toEqual({ preset: 'transunet', base: 8, height: 64, width: 96, batchSize: 4 });
  });

  it('does not plan small images first without the half-size timing, and says why', () => {
    const candidate: Candidate = { ...narrow128, smallFirst: 0.5 };
    const timings: Timing[] = [
      { candidate: tiny64, msPerStep: 100 },
      { candidate, msPerStep: 600, msPerSmallStep: null },
    ];
    const plan = chooseRecipe({ minutes: 5, trainPairs: 96, valPairs: 16, timings });
    expect(plan.candidate).toEqual(tiny64);
    expect(plan.smallFirst).toBeUndefined();
    expect(plan.why[1]).toBe('transunet width 8 at 128x192, 64x96 for the first 50% of the time, batch 4: not timed (its half-size step was not timed)');
    expect(withPlan(settingsToConfig(DEFAULT_SETTINGS), plan).smallFirst).toBeUndefined();
  });

  it('caps the epochs at the settings maximum', () => {
    // 4 pairs, batch 4, no val: 1 step of 10 ms an epoch -> 5,400 epochs in 54 s.
    const row = rowOf({ candidate: tiny64, msPerStep: 10 }, 1, 4, 0);
    expect(row.epochsInBudget).toBeCloseTo(5400, 6);
    const plan = chooseRecipe({ minutes: 1, trainPairs: 4, valPairs: 0, timings: [{ candidate: tiny64, msPerStep: 10 }] });
    expect([plan.epochs, plan.totalSteps]).toEqual([1000, 1000]);
    // 700.5 epochs fit: 1,168 with the headroom, so capped too, and said so.
    const near = chooseRecipe({ minutes: 1, trainPairs: 4, valPairs: 0, timings: [{ candidate: tiny64, msPerStep: 54_000 / 700.5 }] });
    expect([near.epochs, near.totalSteps]).toEqual([1000, 700]);
    expect(near.why.at(-1)).toMatch(/up to 1000 epochs \(capped at 1000\)/);
    expect(plan.why.at(-1)).toMatch(/1000 steps \(1000 epochs of 1 step; up to 1000 epochs \(capped at 1000\)/);
  });
});

describe('candidates and the time they need', () => {
  it('puts in what the person fixed, without repeats', () => {
    expect(candidatesWith({ preset: 'tiny' })).toEqual([tiny64, tiny128]);
    expect(candidatesWith({ height: 32, width: 48 })).toEqual([
      { preset: 'tiny', height: 32, width: 48, batchSize: 4 },
      { preset: 'transunet', height: 32, width: 48, batchSize: 4, base: 8 },
      { preset: 'transunet', height: 32, width: 48, batchSize: 4 },
    ]);
    // The width-8 candidate stays transunet's: fixing transunet keeps both widths, fixing tiny drops it.
    expect(candidatesWith({ preset: 'transunet', height: 128, width: 192 })).toEqual([narrow128, transunet128]);
    expect(candidatesWith({ preset: 'transunet', base: 12 }).map(candidateLabel)).toEqual([
      'transunet width 12 at 64x96, batch 4',
      'transunet width 12 at 128x192, batch 4',
    ]);
    const one: Candidate = { preset: 'seed-unet', height: 64, width: 64, batchSize: 2 };
    expect(candidatesWith(one)).toEqual([one]);
    expect(candidatesWith()).toEqual([...CANDIDATES]);
  });

  it('knows a larger input of a candidate that already falls short cannot fit', () => {
    const short = rowOf({ candidate: transunet64, msPerStep: 400 }, 1, 96, 16); // 5.3 epochs in 54 s
    const fine = rowOf({ candidate: tiny64, msPerStep: 100 }, 1, 96, 16); // 21.3 epochs
    expect(cannotFit(transunet128, [fine, short])).toMatch(/transunet at 64x96, batch 4 already falls short of 6 epochs/);
    expect(cannotFit(tiny128, [fine, short])).toBeNull();
    expect(cannotFit({ ...transunet128, batchSize: 8 }, [short])).toBeNull();
    // A narrower network is another model: its own timing decides.
    expect(cannotFit({ ...transunet128, base: 8 }, [short])).toBeNull();
    const narrowShort = rowOf({ candidate: { ...transunet64, base: 8 }, msPerStep: 400 }, 1, 96, 16);
    expect(cannotFit({ ...transunet128, base: 8 }, [narrowShort])).toMatch(/^transunet width 8 at 64x96, batch 4 already falls short/);
  });
});
