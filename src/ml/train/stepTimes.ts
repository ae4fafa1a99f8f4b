/** The last few step times, for the ETA: a fixed window, so a long run keeps no number a step. */
export class RecentStepTimes {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly size = 20) {
    this.times = new Float64Array(size);
  }

  /** How many times the window holds (at most `size`). */
  get length(): number {
    return this.count;
  }

  add(ms: number): void {
    this.times[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** The median of the window (the upper middle one of an even count); 0 when empty. */
  median(): number {
    if (this.count === 0) return 0;
    const sorted = this.times.slice(0, this.count).sort();
    return sorted[this.count >> 1];
  }
}
