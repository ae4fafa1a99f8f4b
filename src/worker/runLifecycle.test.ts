/** Run lifecycle across runs: each run keeps its own split, and finished runs do not pile up in memory. */
import 'fake-indexeddb/auto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { SplitView } from '../data/dataset';
import { DEFAULT_SPLIT_RATIOS, splitByGroup } from '../data/split';
import { Trainer } from '../ml/train/trainer';
import { CONFIG, ellipseResult, harness, savedRun, trainerData, until } from './runs.fixtures';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

afterEach(() => vi.restoreAllMocks());

describe('run lifecycle', () => {
  it("a resume trains, validates and tests on the run's own split, not the session's new one", async () => {
    const seen = trainerData();
    const { manager, of, status, session } = await harness();
    await manager.start(1, { ...CONFIG, epochs: 1 }, 'own split');
    await until(() => status().includes('done'), 'the first run to finish');
    // The split is three views of the session's one decoded set: no per-run copy of the pixels.
    for (const part of ['train', 'val', 'test'] as const) expect((seen[0][part] as SplitView).set).toBe(session.dataset!.result.set);
    const runId = of('run-started')[0].run.id;
    await savedRun(runId, 'done');

    // The run was split with seed 1; the session is now split with seed 7, which puts other cars in test.
    const { pairs } = ellipseResult();
    const stems = (part: 'train' | 'val' | 'test', seed: number) => {
      const split = splitByGroup(pairs, DEFAULT_SPLIT_RATIOS, seed);
      return split[part].map((p) => p.stem).sort();
    };
    session.resplit(2, DEFAULT_SPLIT_RATIOS, 7, () => undefined);
    expect(stems('test', 7)).not.toEqual(stems('test', 1));
    expect([...session.dataset!.splitSummary.test.names!].sort()).toEqual(stems('test', 7));

    await manager.resume(3, runId, 1);
    await until(() => status().filter((s) => s === 'done').length === 2, 'the continued run to finish');
    expect(seen).toHaveLength(2);
    for (const part of ['train', 'val', 'test'] as const) expect([...seen[1][part].names].sort()).toEqual(stems(part, 1));
    const tested = of('test-result')[1].result.perImage.map((p) => p.name);
    expect(tested.sort()).toEqual(stems('test', 1));
    // The session keeps the split the person chose.
    expect(session.dataset!.splitSummary.seed).toBe(7);
  });

  it("memory stays flat over runs: a finished run's model and optimizer are freed when the next one starts", async () => {
    const { manager, of, status } = await harness();
    const after: Array<{ numTensors: number; numBytes: number }> = [];
    for (let i = 1; i <= 3; i++) {
      await manager.start(i, { ...CONFIG, epochs: 1 }, `run ${i}`);
      await until(() => status().filter((s) => s === 'done').length === i, `run ${i} to finish`);
      await savedRun(of('run-started')[i - 1].run.id, 'done');
      const { numTensors, numBytes } = tf.memory();
      after.push({ numTensors, numBytes });
    }
    // The last run's model and optimizer stay (export and predict use them); nothing of the first two does.
    expect(after[2]).toEqual(after[0]);
    expect(after[1]).toEqual(after[0]);
  });

  it("a finished run's model leaves no JS objects behind once the next run starts (tfjs-layers' graph cache)", async () => {
    const layers: Array<WeakRef<object>> = [];
    // A plain patch, not vi.spyOn: a spy keeps every Trainer it saw (mock.instances).
    const realRun = Trainer.prototype.run;
    Trainer.prototype.run = function (this: Trainer) {
      layers.push(new WeakRef(this.model.layers[this.model.layers.length - 1]));
      return realRun.call(this);
    };
    onTestFinished(() => void (Trainer.prototype.run = realRun));
    const { manager, of, status } = await harness();
    for (let i = 1; i <= 3; i++) {
      await manager.start(i, { ...CONFIG, epochs: 1 }, `run ${i}`);
      await until(() => status().filter((s) => s === 'done').length === i, `run ${i} to finish`);
      await savedRun(of('run-started')[i - 1].run.id, 'done');
    }
    for (let i = 0; i < 5 && layers[1].deref(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    // Runs 1 and 2 were released when the next run started; run 3's model stays for export and predict.
    expect(layers.map((ref) => ref.deref() !== undefined)).toEqual([false, false, true]);
  });
});
