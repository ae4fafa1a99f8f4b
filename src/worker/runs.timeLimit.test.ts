/** A run with a time limit (the guided run's) in the RunManager: continuing it for more epochs is not cut short by the limit it used up. */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStudioDb } from './persistence';
import { CONFIG, harness, savedRun, until } from './runs.fixtures';

describe('a time-limited run continued for more epochs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains the epochs asked for, whatever its limit left', async () => {
    const { manager, of, status } = await harness();
    await manager.start(1, { ...CONFIG, timeLimitMinutes: 10 }, 'guided');
    await until(() => status().includes('done'), 'the first run to finish', 120_000);
    const runId = of('run-status').find((e) => e.status === 'done')!.runId;
    const { run } = await savedRun(runId, 'done');
    expect(run.history).toHaveLength(2);
    // As if its two epochs had used the whole limit: a millionth of a minute is far less than they took.
    const db = await openStudioDb();
    await db.putRun({ ...run, config: { ...run.config, timeLimitMinutes: 1e-6 } });
    db.close();

    await manager.resume(2, runId, 2);
    await until(() => status().filter((s) => s === 'done').length === 2, 'the continued run to finish', 120_000);
    // 18 training pairs at batch 6: 3 steps an epoch, so epochs 3-4 are steps 7-12.
    expect(
      of('train-step')
        .filter((e) => e.id === 2)
        .map((e) => e.step),
    ).toEqual([7, 8, 9, 10, 11, 12]);
    const continued = await savedRun(runId, 'done');
    expect([continued.run.config.epochs, continued.run.config.timeLimitMinutes]).toEqual([4, undefined]);
  });
});
