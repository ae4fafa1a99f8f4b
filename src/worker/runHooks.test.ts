/** The worker's run record as the hooks keep it: a NaN rollback leaves no repeated steps in what is saved. */
import { describe, expect, it } from 'vitest';
import type { RunRecord, StudioDb } from './persistence';
import { runRecord } from './runRecord.fixtures';
import type { WorkerEvent } from './protocol';
import { runHooks } from './runHooks';
import { liveRun } from './runState';

const record = () => runRecord({ id: 'run-1', name: 'nan', createdAt: 0, updatedAt: 0 });

describe('runHooks', () => {
  it('saves a step series strictly increasing in step after a NaN rollback, with the rollback marked', async () => {
    const saved: RunRecord[] = [];
    const db = { putRun: async (run: RunRecord) => void saved.push(structuredClone(run)) } as unknown as StudioDb;
    const events: WorkerEvent[] = [];
    const run = liveRun(record());
    const hooks = runHooks(
      1,
      run,
      (event) => void events.push(event),
      async (what) => (await what(db), true),
    );
    const step = (n: number, loss: number) => hooks.onStep({ step: n, epoch: 0, loss, learningRate: 0.01, ms: 1 });
    for (let n = 1; n <= 5; n++) step(n, 1 / n);
    // The loss went NaN at step 6: the trainer restored the checkpoint of step 2, paused, and on resume steps 3, 4 come again.
    hooks.onStatus({ status: 'paused', reason: 'nan', message: 'The loss became NaN' });
    step(3, 0.3);
    step(4, 0.2);
    hooks.onStatus({ status: 'paused', reason: 'user', message: 'Paused' });
    await new Promise((resolve) => setTimeout(resolve, 0));

    const last = saved[saved.length - 1];
    expect(last.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(last.steps.slice(2)).toEqual([
      { step: 3, loss: 0.3, learningRate: 0.01 },
      { step: 4, loss: 0.2, learningRate: 0.01 },
    ]);
    expect(last.rollbacks).toEqual([{ step: 2, from: 5 }]);
    // Every step still reached the page as it happened.
    expect(events.filter((e) => e.type === 'train-step').map((e) => (e as { step: number }).step)).toEqual([1, 2, 3, 4, 5, 3, 4]);
  });
});
