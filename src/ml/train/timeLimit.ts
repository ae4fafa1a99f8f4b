/** A run's time limit: training and evaluation count, pauses do not, and epochs of earlier sessions of the run count too. */
import type { EpochRecord } from './config';

export class TimeLimit {
  private readonly started: number;
  private excludedMs = 0;

  /** `minutes` undefined: no limit. `spentSeconds`: what the run used before this session (a resumed run). */
  constructor(
    private readonly minutes: number | undefined,
    private readonly spentBefore: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** The seconds the run's saved epochs took (a PyTorch job's epochs were not trained against this limit). */
  static spentIn(history: readonly EpochRecord[]): number {
    return history.reduce((sum, record) => sum + (record.origin === 'torch' ? 0 : record.seconds), 0);
  }

  /** Leaves out of the count the time since `from` (a now() reading): the run was waiting, paused. */
  excludeSince(from: number): void {
    this.excludedMs += this.now() - from;
  }

  get spentSeconds(): number {
    return this.spentBefore + (this.now() - this.started - this.excludedMs) / 1000;
  }

  /** Seconds left; Infinity without a limit. */
  get leftSeconds(): number {
    return this.minutes === undefined ? Infinity : Math.max(0, this.minutes * 60 - this.spentSeconds);
  }

  get reached(): boolean {
    return this.leftSeconds <= 0;
  }
}
