import { describe, expect, it } from 'vitest';
import { runRecord } from '../worker/runRecord.fixtures';
import type { WorkerEvent } from '../worker/protocol';
import { initialState, reduceEvent } from './events';
import { stepSeries } from './steps';

const run = runRecord({ name: 'nan' });
const step = (n: number, loss = 1 / n): WorkerEvent => ({
  type: 'train-step',
  id: 1,
  runId: 'run-a',
  step: n,
  epoch: 0,
  loss,
  learningRate: 1e-3,
  ms: 10,
  numTensors: 1,
  numBytes: 1,
});
const increasing = (steps: number[]) => steps.every((s, i) => i === 0 || s > steps[i - 1]);

describe('step series across a NaN rollback', () => {
  it('drops the undone steps when the step numbers restart, and marks the rollback', () => {
    // Steps 1-6, a NaN at 7, the trainer restores the checkpoint of step 4, pauses, then resumes at 5.
    const events: WorkerEvent[] = [
      { type: 'run-started', id: 1, run, params: 1, sources: [], resumed: false },
      ...[1, 2, 3, 4, 5, 6].map((n) => step(n)),
      { type: 'run-status', id: 1, runId: 'run-a', status: 'paused', reason: 'nan', message: 'The loss became NaN at step 7' },
      { type: 'run-status', id: 1, runId: 'run-a', status: 'training', reason: null, message: 'Training' },
      step(5, 0.5),
      step(6, 0.4),
      step(7, 0.3),
    ];
    const state = events.reduce(reduceEvent, initialState);
    const steps = state.training.steps.map((s) => s.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(increasing(steps)).toBe(true);
    expect(state.training.steps.slice(4).map((s) => s.loss)).toEqual([0.5, 0.4, 0.3]); // the retrained steps, not the undone ones
    expect(state.training.rollbacks).toEqual([{ step: 4, from: 6 }]);
  });

  it('cleans a stored series that holds rolled-back steps when a run resumes', () => {
    const stored = [1, 2, 3, 2, 3, 4, 1, 2].map((n) => ({ step: n, loss: n, learningRate: 1e-3 }));
    const state = reduceEvent(initialState, { type: 'run-started', id: 1, run: { ...run, steps: stored }, params: 1, sources: [], resumed: true });
    expect(state.training.steps.map((s) => s.step)).toEqual([1, 2]);
    expect(state.training.rollbacks).toEqual([
      { step: 1, from: 3 },
      { step: 0, from: 4 },
    ]);
    expect(stepSeries([]).steps).toEqual([]);
  });
});
