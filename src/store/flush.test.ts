import { describe, expect, it } from 'vitest';
import { createEventQueue, pageClock, type FlushClock } from './flush';

/** A fake page: a document whose visibility the test sets, timers and frames run by hand. */
function fakePage() {
  const listeners: Array<() => void> = [];
  const doc = { visibilityState: 'visible' as DocumentVisibilityState, addEventListener: (_: string, run: () => void) => listeners.push(run) };
  let time = 0;
  let timers: Array<{ at: number; run: () => void }> = [];
  let frames: Array<() => void> = [];
  const real = pageClock(doc as unknown as Document);
  const clock: FlushClock = {
    ...real, // hidden() and onHidden() read the fake document
    now: () => time,
    setTimeout: (run, ms) => void timers.push({ at: time + ms, run }),
    requestFrame: (run) => void frames.push(run),
  };
  return {
    clock,
    /** Moves time on, running the timers that fall due. */
    advance(ms: number) {
      time += ms;
      const due = timers.filter((t) => t.at <= time);
      timers = timers.filter((t) => t.at > time);
      due.forEach((t) => t.run());
    },
    /** Paints one frame (a hidden page never does). */
    paint() {
      const run = frames;
      frames = [];
      run.forEach((f) => f());
    },
    setVisibility(state: DocumentVisibilityState) {
      doc.visibilityState = state;
      listeners.forEach((l) => l());
    },
  };
}

function setup() {
  const page = fakePage();
  const applied: number[][] = [];
  const queue = createEventQueue<number>((events) => applied.push(events), page.clock, 200);
  return { page, applied, queue };
}

describe('event queue', () => {
  it('in a hidden tab, flushes on a timer: no frame ever comes', () => {
    const { page, applied, queue } = setup();
    page.setVisibility('hidden');
    for (let step = 1; step <= 30; step++) {
      queue.push(step);
      page.advance(50); // a step every 50 ms, for 1.5 s, and never a paint
    }
    page.advance(200);
    expect(applied.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(applied.length).toBeGreaterThanOrEqual(7); // one flush per 200 ms, not one at the end
    expect(applied.length).toBeLessThanOrEqual(9);
  });

  it('while visible, applies in a frame, many events in one', () => {
    const { page, applied, queue } = setup();
    queue.push(1);
    page.advance(0);
    expect(applied).toEqual([]); // waits for the frame
    queue.push(2);
    queue.push(3);
    page.paint();
    expect(applied).toEqual([[1, 2, 3]]);
    // The next ones wait out the interval, then a frame.
    queue.push(4);
    queue.push(5);
    page.advance(100);
    page.paint();
    expect(applied).toEqual([[1, 2, 3]]);
    page.advance(100);
    page.paint();
    expect(applied).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('flushes a frame that was asked for just before the tab was hidden', () => {
    const { page, applied, queue } = setup();
    queue.push(1);
    page.advance(0); // a frame is requested ...
    page.setVisibility('hidden'); // ... and never painted
    expect(applied).toEqual([[1]]);
    queue.push(2);
    page.advance(200);
    expect(applied).toEqual([[1], [2]]);
    page.setVisibility('visible');
    page.paint(); // the stale frame finds nothing to do
    expect(applied).toEqual([[1], [2]]);
  });
});
