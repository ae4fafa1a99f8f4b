import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../ml/train/config';
import { runRecord } from '../worker/runRecord.fixtures';
import type { WorkerEvent } from '../worker/protocol';
import { initialState, isRunLive, reduceEvent, type StudioState } from './events';

const run = runRecord({ name: 'first', steps: [{ step: 1, loss: 0.9, learningRate: 1e-3 }] });

const epoch = (n: number, dice: number): EpochRecord => ({
  epoch: n,
  step: n * 10,
  trainLoss: 0.5,
  valLoss: 0.4,
  dice,
  iou: dice - 0.1,
  precision: 0.9,
  recall: 0.9,
  accuracy: 0.95,
  learningRate: 1e-3,
  seconds: 1,
  imagesPerSecond: 4,
});

function apply(events: WorkerEvent[], state: StudioState = initialState): StudioState {
  return events.reduce(reduceEvent, state);
}

describe('reduceEvent', () => {
  it('follows a run from start to done: steps, epochs, changes, checkpoints, test', () => {
    const state = apply([
      { type: 'run-started', id: 7, run, params: 72813, sources: [], resumed: false },
      { type: 'run-status', id: 7, runId: 'run-a', status: 'training', reason: null, message: 'Training' },
      { type: 'train-step', id: 7, runId: 'run-a', step: 2, epoch: 0, loss: 0.8, learningRate: 1e-3, ms: 100, numTensors: 317, numBytes: 1000 },
      { type: 'config-change', id: 7, runId: 'run-a', change: { step: 3, epoch: 0, field: 'learningRate', from: 1e-3, to: 5e-4 } },
      { type: 'epoch', id: 7, runId: 'run-a', record: epoch(1, 0.8), etaSeconds: 12, numTensors: 317, numBytes: 1000 },
      { type: 'checkpoint', id: 7, runId: 'run-a', kind: 'best', epoch: 1, step: 10, bytes: 300000, saved: true },
      { type: 'run-status', id: 7, runId: 'run-a', status: 'done', reason: null, message: 'Done' },
    ]);
    expect(state.training.phase).toBe('done');
    expect(state.training.steps.map((s) => s.step)).toEqual([1, 2]); // the saved step plus the new one
    expect(state.training.history.map((h) => h.dice)).toEqual([0.8]);
    expect(state.training.changes).toHaveLength(1);
    expect(state.training.lastCheckpoint).toEqual({ kind: 'best', epoch: 1, saved: true });
    expect(state.training.bestEpoch).toBe(1);
    expect(state.training.memory).toEqual({ numTensors: 317, numBytes: 1000, step: 2 });
    expect(state.training.etaSeconds).toBe(12);
    expect(isRunLive(state.training.phase)).toBe(false);
  });

  it('offers the best checkpoint only once one is saved', () => {
    const started = apply([{ type: 'run-started', id: 1, run, params: 1, sources: [], resumed: false }]);
    expect(started.training.bestEpoch).toBeNull();
    const unsaved = reduceEvent(started, { type: 'checkpoint', id: 1, runId: 'run-a', kind: 'best', epoch: 2, step: 20, bytes: 10, saved: false });
    expect(unsaved.training.bestEpoch).toBeNull(); // storage failed: there is nothing to export
    const latest = reduceEvent(started, { type: 'checkpoint', id: 1, runId: 'run-a', kind: 'latest', epoch: 3, step: 30, bytes: 10, saved: true });
    expect(latest.training.bestEpoch).toBeNull();
    const resumed = apply([{ type: 'run-started', id: 1, run: { ...run, best: { epoch: 4, dice: 0.9 } }, params: 1, sources: [], resumed: true }]);
    expect(resumed.training.bestEpoch).toBe(4);
  });

  it('ignores events of another run', () => {
    const started = apply([{ type: 'run-started', id: 1, run, params: 1, sources: [], resumed: false }]);
    const after = reduceEvent(started, { type: 'epoch', id: 2, runId: 'run-b', record: epoch(1, 0.5), etaSeconds: 0, numTensors: 1, numBytes: 1 });
    expect(after).toBe(started);
  });

  it('keeps one overlay per step, oldest first', () => {
    const maps = [{ name: 'x', width: 1, height: 1, probabilities: new Uint8Array([1]) }];
    const state = apply([
      { type: 'run-started', id: 1, run, params: 1, sources: [], resumed: false },
      { type: 'overlays', id: 1, runId: 'run-a', epoch: 1, step: 10, maps },
      { type: 'overlays', id: 1, runId: 'run-a', epoch: 1, step: 10, maps },
      { type: 'overlays', id: 1, runId: 'run-a', epoch: 2, step: 20, maps },
    ]);
    expect(state.training.overlays.map((o) => o.step)).toEqual([10, 20]);
  });

  it('routes errors to the part of the page that asked', () => {
    const failedIngest = reduceEvent(
      { ...initialState, dataset: { ...initialState.dataset, phase: 'loading', requestId: 3 } },
      { type: 'error', id: 3, request: 'ingest', message: 'No files found.' },
    );
    expect([failedIngest.dataset.phase, failedIngest.dataset.error]).toEqual(['failed', 'No files found.']);
    const failedStart = reduceEvent(
      { ...initialState, training: { ...initialState.training, phase: 'starting' } },
      { type: 'error', id: 4, request: 'train-start', message: 'Load a dataset first.' },
    );
    expect([failedStart.training.phase, failedStart.training.error]).toEqual(['idle', 'Load a dataset first.']);
    const failedInit = reduceEvent(initialState, { type: 'error', id: 1, request: 'init', message: 'No tfjs backend could start' });
    expect(failedInit.engine.phase).toBe('failed');
    const storage = reduceEvent(initialState, { type: 'storage-error', id: 5, message: 'Browser storage is full' });
    expect(storage.storageError).toBe('Browser storage is full');
  });

  it('shows the test image the user opened last, and its failure', () => {
    const source = { name: 'b_01.jpg', width: 1, height: 1, rgb: new Uint8Array(3), mask: new Uint8Array(1) };
    const map = { name: 'b_01.jpg', width: 1, height: 1, probabilities: new Uint8Array([200]) };
    const started = apply([{ type: 'run-started', id: 1, run, params: 1, sources: [], resumed: false }]);
    const opened = { ...started, inspection: { name: 'b_01.jpg', phase: 'loading' as const, source: null, map: null, error: null } };
    const ready = reduceEvent(opened, { type: 'test-inspection', id: 2, runId: 'run-a', source, map });
    expect(ready.inspection).toEqual({ name: 'b_01.jpg', phase: 'ready', source, map, error: null });
    // A late answer for an image the user has since left (or another run's) changes nothing.
    const otherImage = { ...opened, inspection: { ...opened.inspection, name: 'c_02.jpg' } };
    expect(reduceEvent(otherImage, { type: 'test-inspection', id: 2, runId: 'run-a', source, map })).toBe(otherImage);
    expect(reduceEvent(opened, { type: 'test-inspection', id: 2, runId: 'run-b', source, map })).toBe(opened);
    const failed = reduceEvent(opened, { type: 'error', id: 2, request: 'inspect-test', message: 'No trained model to inspect yet.' });
    expect([failed.inspection?.phase, failed.inspection?.error]).toEqual(['failed', 'No trained model to inspect yet.']);
    expect(failed.run).toBe(opened.run); // not routed to the spine panel
  });

  it('drops ingest progress of a load that was replaced', () => {
    const loading = { ...initialState, dataset: { ...initialState.dataset, phase: 'loading' as const, requestId: 9 } };
    const progress = { done: 1, total: 2, pairsPerSecond: 10, etaSeconds: 0.1 };
    expect(reduceEvent(loading, { type: 'ingest-progress', id: 8, progress })).toBe(loading);
    expect(reduceEvent(loading, { type: 'ingest-progress', id: 9, progress }).dataset.progress).toEqual(progress);
  });
});
