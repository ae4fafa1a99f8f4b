/** The guided run's slice: what the planner is timing, its choice, and where its failure shows. */
import { describe, expect, it } from 'vitest';
import { chooseRecipe, CANDIDATES } from '../ml/train/recipe';
import { initialGuided, initialState, reduceEvent, type StudioState } from './events';

const timing: StudioState = { ...initialState, guided: { ...initialGuided, phase: 'timing', requestId: 4, minutes: 2, message: 'Timing the candidates...' } };
const plan = chooseRecipe({ minutes: 2, trainPairs: 96, valPairs: 16, timings: CANDIDATES.map((candidate) => ({ candidate, msPerStep: 100 })) });

describe('the guided slice', () => {
  it('shows what its own request is timing, then its choice; another request changes nothing', () => {
    const progress = reduceEvent(timing, { type: 'plan-progress', id: 4, message: 'Timing tiny at 64x96, batch 4 on wasm (1 of 4)...' });
    expect([progress.guided.phase, progress.guided.message]).toEqual(['timing', 'Timing tiny at 64x96, batch 4 on wasm (1 of 4)...']);
    expect(reduceEvent(timing, { type: 'plan-progress', id: 3, message: 'stale' })).toBe(timing);
    const chosen = reduceEvent(progress, { type: 'plan', id: 4, plan });
    expect([chosen.guided.phase, chosen.guided.message, chosen.guided.plan]).toEqual(['chosen', '', plan]);
    expect(reduceEvent(timing, { type: 'plan', id: 3, plan })).toBe(timing);
  });

  it('shows a failed plan in its own panel, leaving the training panel alone', () => {
    const failed = reduceEvent(timing, { type: 'error', id: 4, request: 'plan-run', message: 'Load a dataset first.' });
    expect([failed.guided.phase, failed.guided.error]).toEqual(['failed', 'Load a dataset first.']);
    expect(failed.training).toBe(timing.training);
  });
});
