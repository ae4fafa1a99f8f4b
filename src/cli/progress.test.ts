import { describe, expect, it } from 'vitest';
import type { ForwardedEvent } from './api';
import { bar, formatDuration, ProgressLine, showIngestProgress } from './progress';

/** A non-terminal stream: every update the line lets through is one full line. */
function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => (lines.push(text), true) } as unknown as NodeJS.WriteStream;
  return { line: new ProgressLine(stream), lines };
}

const ingest = (done: number, total: number): ForwardedEvent => ({
  type: 'ingest-progress',
  id: 1,
  progress: { done, total, pairsPerSecond: 12.4, etaSeconds: 75 },
});

describe('showIngestProgress', () => {
  it('draws loading progress with its rate and ETA, and always draws the last one', () => {
    const { line, lines } = capture();
    showIngestProgress(line, ingest(5, 20));
    // Throttled: in a log, a second update within 30 s is dropped unless it is the last.
    showIngestProgress(line, ingest(10, 20));
    showIngestProgress(line, ingest(20, 20));
    expect(lines).toEqual([`${bar(0.25)}  25% loading 5/20 pairs (12/s) ETA 1m15s\n`, `${bar(1)} 100% loading 20/20 pairs (12/s) ETA 1m15s\n`]);
  });

  it('ignores every other event', () => {
    const { line, lines } = capture();
    showIngestProgress(line, { type: 'run-status', id: 1, status: 'compiling', message: 'Compiling' } as unknown as ForwardedEvent);
    expect(lines).toEqual([]);
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours, and -- for unknown', () => {
    expect([formatDuration(42), formatDuration(75), formatDuration(3 * 3600 + 5 * 60), formatDuration(NaN)]).toEqual(['42s', '1m15s', '3h05m', '--']);
  });
});
