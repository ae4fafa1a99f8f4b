/**
 * Batches worker events before they reach the store. A fast run posts many steps between two paints,
 * and each flush redraws the live panels, so events are applied at most every `intervalMs`, in an
 * animation frame while the page is seen. A hidden page never gets a frame: there a timer flushes,
 * so a run trained in a background tab is all there when the tab is looked at again.
 */

/** What the queue needs from the page; a test passes its own. */
export interface FlushClock {
  now(): number;
  setTimeout(run: () => void, ms: number): void;
  requestFrame(run: () => void): void;
  hidden(): boolean;
  /** Calls `run` when the page becomes hidden. */
  onHidden(run: () => void): void;
}

export interface EventQueue<E> {
  push(event: E): void;
}

export function createEventQueue<E>(apply: (events: E[]) => void, clock: FlushClock, intervalMs: number): EventQueue<E> {
  let queued: E[] = [];
  let scheduled = false;
  let awaitingFrame = false;
  let lastFlush = -Infinity;

  function flush(): void {
    scheduled = false;
    awaitingFrame = false;
    lastFlush = clock.now();
    const events = queued;
    queued = [];
    if (events.length) apply(events);
  }

  function due(): void {
    if (clock.hidden()) return flush();
    awaitingFrame = true;
    clock.requestFrame(() => awaitingFrame && flush());
  }

  // A frame asked for just before the page was hidden would never come: flush instead.
  clock.onHidden(() => awaitingFrame && flush());

  return {
    push(event) {
      queued.push(event);
      if (scheduled) return;
      scheduled = true;
      clock.setTimeout(due, Math.max(0, lastFlush + intervalMs - clock.now()));
    },
  };
}

/** The page's clock: frames while visible, timers while hidden. */
export function pageClock(doc: Document = document): FlushClock {
  return {
    now: () => performance.now(),
    setTimeout: (run, ms) => void setTimeout(run, ms),
    requestFrame: (run) => void requestAnimationFrame(run),
    hidden: () => doc.visibilityState !== 'visible',
    onHidden: (run) => doc.addEventListener('visibilitychange', () => doc.visibilityState !== 'visible' && run()),
  };
}
