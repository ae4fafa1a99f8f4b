/** The guided run's planner as the dispatcher drives it: the candidates timed on the loaded data, the recipe's choice, no tensor left behind. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIN_EPOCHS, type Candidate } from '../ml/train/recipe';
import { planRun } from './planRun';
import type { WorkerEvent } from './protocol';
import { H, sessionWithData, W } from './runs.fixtures';

// Small enough for tfjs's cpu backend in Node: one at the loaded size, one the planner must resize the pairs to.
const CANDIDATES: Candidate[] = [
  { preset: 'tiny', height: H, width: W, batchSize: 2 },
  { preset: 'tiny', height: 2 * H, width: 2 * W, batchSize: 2 },
];

async function plan(minutes: number, fixed?: Partial<Candidate>) {
  const session = await sessionWithData();
  const events: WorkerEvent[] = [];
  const before = tf.memory().numTensors;
  await planRun(session, { type: 'plan-run', id: 7, minutes, backend: 'cpu', fixed }, (event) => events.push(event), CANDIDATES);
  const chosen = events.find((e) => e.type === 'plan');
  if (chosen?.type !== 'plan') throw new Error('no plan event');
  const { train, val } = session.dataset!.indices;
  return { events, plan: chosen.plan, leftTensors: tf.memory().numTensors - before, train: train.length, val: val.length };
}

describe('planRun', () => {
  // As the engine's init leaves the worker: the backend chosen and ready.
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('times each candidate on the loaded train split, chooses by the recipe, and leaves no tensor behind', async () => {
    const { events, plan: p, leftTensors, train, val } = await plan(60);
    expect(leftTensors).toBe(0);
    expect(events.filter((e) => e.type === 'plan-progress').map((e) => (e as { message: string }).message)).toEqual([
      `Timing tiny at ${H}x${W}, batch 2 on cpu (1 of 2)...`,
      `Timing tiny at ${2 * H}x${2 * W}, batch 2 on cpu (2 of 2)...`,
    ]);
    expect(events.every((e) => e.id === 7)).toBe(true);
    expect(p.backend).toBe('cpu (the backend setting; not timed)');
    // The budget through each measurement, recomputed here: train/2 steps and val/2 batches at a third of a step an epoch, in 90% of an hour.
    for (const row of p.rows) {
      expect(row.msPerStep).toBeGreaterThan(0);
      const epochSeconds = ((Math.ceil(train / 2) + Math.ceil(val / 2) / 3) * row.msPerStep!) / 1000;
      expect(row.epochsInBudget).toBeCloseTo((0.9 * 3600) / epochSeconds, 6);
    }
    // An hour is plenty for both here (each takes well under a second a step): the larger one is chosen.
    expect(p.rows.every((row) => row.epochsInBudget >= MIN_EPOCHS)).toBe(true);
    expect(p.candidate).toEqual(CANDIDATES[1]);
    // The schedule spans the steps that fit; the run gets the epochs that hold them.
    expect(p.epochs).toBe(Math.min(1000, Math.ceil((p.rows[1].epochsInBudget / 0.9) * 1.5)));
    expect(p.totalSteps).toBe(Math.min(Math.floor(p.rows[1].epochsInBudget * Math.ceil(train / 2)), p.epochs * Math.ceil(train / 2)));
  });

  it('does not time a larger input of a candidate already too slow, and puts in what the person fixed', async () => {
    // A tenth of a second: no candidate gets 6 epochs, so the larger input is not timed.
    const { events, plan: p, leftTensors } = await plan(0.1 / 60, { batchSize: 1 });
    expect(leftTensors).toBe(0);
    expect(events.filter((e) => e.type === 'plan-progress')).toHaveLength(1);
    expect(p.rows.map((row) => row.candidate.batchSize)).toEqual([1, 1]);
    expect(p.rows[1].msPerStep).toBeNull();
    expect(p.rows[1].note).toMatch(/already falls short of 6 epochs/);
    expect([p.candidate, p.fits, p.epochs]).toEqual([{ ...CANDIDATES[0], batchSize: 1 }, false, 1]);
  });

  it('times small-images-first candidates at half the size too, and plans the phase; one that does not halve says why', async () => {
    const { plan: p, leftTensors } = await plan(60, { smallFirst: 0.5 });
    expect(leftTensors).toBe(0);
    // 16x32 halves to 8x16, which no model takes; 32x64 halves to the loaded 16x32.
    expect(p.rows[0].msPerStep).toBeGreaterThan(0);
    expect(p.rows[0].msPerSmallStep).toBeNull();
    expect(p.rows[0].note).toMatch(/^at half the size: Input height 8 is not a positive multiple of 16/);
    expect(p.rows[0].epochsInBudget).toBe(0);
    expect(p.rows[1].msPerSmallStep).toBeGreaterThan(0);
    expect(p.candidate).toEqual({ ...CANDIDATES[1], smallFirst: 0.5 });
    // The phase fits in the steps the schedule spans (here capped by the 1,000 epochs an hour of tiny would hold).
    expect(p.smallFirst).toEqual({ height: H, width: W, steps: Math.min(p.rows[1].smallSteps!, p.totalSteps) });
    expect(p.smallFirst!.steps).toBeGreaterThan(0);
    expect(p.why[0]).toMatch(/^tiny at 16x32, 8x16 for the first 50% of the time, batch 2: not timed \(at half the size: Input height 8/);
  });

  it('refuses without data or a budget, saying what is missing', async () => {
    const { Session } = await import('./session');
    await expect(planRun(new Session(), { type: 'plan-run', id: 1, minutes: 1, backend: 'cpu' }, () => undefined)).rejects.toThrow(/Load a dataset first/);
    await expect(planRun(await sessionWithData(), { type: 'plan-run', id: 1, minutes: 0, backend: 'cpu' }, () => undefined)).rejects.toThrow(/above 0 minutes/);
  });
});
