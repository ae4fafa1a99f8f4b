/**
 * A run's step series as the worker keeps it while training: three typed columns (step, loss,
 * learning rate: 20 bytes a step, outside the JS heap) instead of an object a step, strictly
 * increasing in step, thinned by half past a limit. Saved and sent as StepRecord[] (`toArray`).
 */
import { rollbackAt, type Rollback, type StepRecord } from '../ml/train/config';

/** Series longer than this are thinned by half (every other step is kept). */
export const MAX_STORED_STEPS = 5000;
const INITIAL_CAPACITY = 256;

export class StepLog {
  private steps: Uint32Array;
  private losses: Float64Array;
  private rates: Float64Array;
  private count = 0;
  /** Where the trainer went back to a checkpoint (a NaN): the undone steps left the series here. */
  readonly rollbacks: Rollback[] = [];

  /** `initial` may be a stored series with repeated steps (saved before rollbacks were dropped): it is cleaned. */
  constructor(
    initial: readonly StepRecord[] = [],
    rollbacks: readonly Rollback[] = [],
    readonly limit = MAX_STORED_STEPS,
  ) {
    const capacity = Math.min(limit + 1, Math.max(INITIAL_CAPACITY, initial.length));
    this.steps = new Uint32Array(capacity);
    this.losses = new Float64Array(capacity);
    this.rates = new Float64Array(capacity);
    this.rollbacks.push(...rollbacks);
    for (const point of initial) this.push(point);
  }

  get length(): number {
    return this.count;
  }

  /** The last step recorded, 0 when none. */
  get lastStep(): number {
    return this.count ? this.steps[this.count - 1] : 0;
  }

  /**
   * Appends one step. A step at or below the last one means the trainer restored the checkpoint at
   * `step - 1`: the steps after it were undone, so they leave the series and a rollback is marked.
   */
  push({ step, loss, learningRate }: StepRecord): void {
    const rollback = rollbackAt(this.count ? this.lastStep : undefined, step);
    if (rollback) {
      this.rollbacks.push(rollback);
      this.count = this.firstAtOrAfter(step);
    }
    if (this.count === this.steps.length) this.grow();
    this.steps[this.count] = step;
    this.losses[this.count] = loss;
    this.rates[this.count] = learningRate;
    this.count++;
    if (this.count > this.limit) this.thin();
  }

  toArray(): StepRecord[] {
    const out = new Array<StepRecord>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = { step: this.steps[i], loss: this.losses[i], learningRate: this.rates[i] };
    return out;
  }

  /** Index of the first kept step >= `step` (the series is sorted). */
  private firstAtOrAfter(step: number): number {
    let [lo, hi] = [0, this.count];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.steps[mid] < step) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const capacity = Math.min(this.limit + 1, this.steps.length * 2);
    const resize = <T extends Uint32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(column.subarray(0, this.count));
      return next;
    };
    this.steps = resize(this.steps, (n) => new Uint32Array(n));
    this.losses = resize(this.losses, (n) => new Float64Array(n));
    this.rates = resize(this.rates, (n) => new Float64Array(n));
  }

  /** Keeps every other step (the first, third, ...), in place. */
  private thin(): void {
    let kept = 0;
    for (let i = 0; i < this.count; i += 2, kept++) {
      this.steps[kept] = this.steps[i];
      this.losses[kept] = this.losses[i];
      this.rates[kept] = this.rates[i];
    }
    this.count = kept;
  }
}
