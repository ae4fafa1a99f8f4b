/**
 * A one-line progress bar on stderr (so stdout stays clean for pipes). On a terminal the line is
 * redrawn with \r; in a log file a full line is written now and then instead of a flood of redraws.
 */
import type { ForwardedEvent } from './api';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Redraws the line (throttled); `force` draws now, e.g. at the end of an epoch. */
  update(fraction: number, text: string, etaSeconds: number, force = false): void {
    const now = Date.now();
    const interval = this.tty ? 100 : 30_000;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const line = `${bar(fraction)} ${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(0).padStart(3)}% ${text} ETA ${formatDuration(etaSeconds)}`;
    if (this.tty) {
      const columns = this.stream.columns || 120;
      this.stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Prints a message on its own line without breaking the bar. */
  log(message: string): void {
    this.end();
    this.stream.write(`${message}\n`);
  }

  /** Leaves the bar's last state on screen and moves to a new line. */
  end(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** Draws the worker's loading progress (train and predict both load DIR first); other events are ignored. */
export function showIngestProgress(line: ProgressLine, event: ForwardedEvent): void {
  if (event.type !== 'ingest-progress') return;
  const { done, total, pairsPerSecond, etaSeconds } = event.progress;
  line.update(done / total, `loading ${done}/${total} pairs (${pairsPerSecond.toFixed(0)}/s)`, etaSeconds, done === total);
}
