import { describe, expect, it } from 'vitest';
import type { Request } from '../worker/protocol';
import { ERROR_OWNER } from './errors';
import { initialState, reduceEvent, type StudioState } from './events';

const fail = (state: StudioState, request: Request['type'] | undefined, message = 'It went wrong.') =>
  reduceEvent(state, { type: 'error', id: 9, request, message });
const ready: StudioState = { ...initialState, engine: { phase: 'ready', choice: null, error: null } };
const training: StudioState = { ...ready, training: { ...ready.training, phase: 'training' } };

describe('error routing', () => {
  it('shows a failed runs list or delete in the runs panel, not the quick check', () => {
    for (const request of ['runs-list', 'run-delete'] as const) {
      const state = fail(ready, request, 'Browser storage is not available.');
      expect(state.runsError).toBe('Browser storage is not available.');
      expect(state.run).toBe(ready.run);
    }
    // A later list that arrives clears it.
    const listed = reduceEvent(fail(ready, 'runs-list'), { type: 'runs', id: 10, runs: [] });
    expect(listed.runsError).toBeNull();
  });

  it('shows a failed pause/resume/stop in the training panel, the run going on', () => {
    const state = fail(training, 'train-control', 'No run to control.');
    expect([state.training.phase, state.training.error]).toEqual(['training', 'No run to control.']);
    expect(state.run).toBe(training.run);
  });

  it('shows a late worker failure in the engine panel without unreadying it', () => {
    const late = fail(training, undefined, 'Worker failed: out of memory');
    expect([late.engine.phase, late.engine.error]).toEqual(['ready', 'Worker failed: out of memory']);
    expect(late.run).toBe(training.run);
    // Before the engine was ready, the same failure means it could not start.
    const early = fail(initialState, undefined, 'Worker failed: could not load');
    expect([early.engine.phase, early.engine.error]).toEqual(['failed', 'Worker failed: could not load']);
  });

  it('leaves the quick check to its own requests', () => {
    const owners = Object.entries(ERROR_OWNER)
      .filter(([, owner]) => owner === 'quick-check')
      .map(([request]) => request);
    expect(owners.sort()).toEqual(['demo-train', 'stop']);
    const state = fail(ready, 'demo-train', 'No dataset is loaded.');
    expect([state.run.phase, state.run.error]).toEqual(['failed', 'No dataset is loaded.']);
  });

  it('routes every request type somewhere that changes the state', () => {
    const opened: StudioState = { ...training, inspection: { name: 'a.jpg', phase: 'loading', source: null, map: null, error: null } };
    for (const request of Object.keys(ERROR_OWNER) as Array<Request['type']>) {
      expect(fail(opened, request), request).not.toBe(opened);
    }
  });
});
