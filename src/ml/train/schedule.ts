/** Learning-rate schedules and early stopping: small pure state machines the loop consults. */

export const SCHEDULE_NAMES = ['constant', 'cosine', 'warmup-cosine', 'plateau'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** Share of a warmup-cosine run's steps spent climbing to the base rate (the usual few per cent; the guided run's default). */
export const WARMUP_FRACTION = 0.05;

export interface ScheduleConfig {
  name: ScheduleName;
  /** Cosine (and warmup-cosine) decays to baseLr * minFactor at the last step. */
  minFactor: number;
  /** warmup-cosine: the share of the run's steps over which the rate climbs linearly to the base rate (WARMUP_FRACTION when absent). */
  warmupFraction?: number;
  /**
   * Cosine and warmup-cosine: the steps the schedule spans when not the run's epochs x steps an epoch. A
   * time-budgeted run (the recipe) plans its steps on the budget, which rarely ends on an epoch; later
   * steps stay at the floor rate until the time limit ends the run.
   */
  totalSteps?: number;
  /** Reduce-on-plateau: epochs without a better validation Dice before the rate is multiplied by `factor`. */
  patience: number;
  factor: number;
}

export const DEFAULT_SCHEDULE: ScheduleConfig = { name: 'constant', minFactor: 0.01, patience: 2, factor: 0.5 };

/** Cosine annealing from baseLr (step 0) to baseLr * minFactor (step totalSteps - 1). */
export function cosineRate(baseLr: number, step: number, totalSteps: number, minFactor: number): number {
  if (totalSteps <= 1) return baseLr;
  const progress = Math.min(1, Math.max(0, step / (totalSteps - 1)));
  const min = baseLr * minFactor;
  return min + 0.5 * (baseLr - min) * (1 + Math.cos(Math.PI * progress));
}

/** Warm-up steps of a warmup-cosine run of `totalSteps` steps: at least one, and at least one step left for the cosine. */
export function warmupSteps(totalSteps: number, fraction = WARMUP_FRACTION): number {
  if (totalSteps <= 1) return 0;
  return Math.min(totalSteps - 1, Math.max(1, Math.round(totalSteps * fraction)));
}

/**
 * A linear warm-up then cosine: step s < W (the warm-up steps) trains at baseLr * (s + 1) / W, so no
 * step is wasted at rate 0 and step W - 1 reaches the base rate; from step W the cosine runs from
 * baseLr to baseLr * minFactor at the last step (totalSteps - 1).
 */
export function warmupCosineRate(baseLr: number, step: number, totalSteps: number, minFactor: number, fraction = WARMUP_FRACTION): number {
  const warmup = warmupSteps(totalSteps, fraction);
  if (step < warmup) return (baseLr * (Math.max(0, step) + 1)) / warmup;
  return cosineRate(baseLr, step - warmup, totalSteps - warmup, minFactor);
}

/** Tracks the best value of a metric where higher is better, and how long since it improved. */
export class ImprovementTracker {
  best = -Infinity;
  bestEpoch = -1;
  private sinceBest = 0;

  constructor(private readonly minDelta = 0) {}

  /** Records an epoch's value; returns true when it is a new best. */
  record(epoch: number, value: number): boolean {
    if (Number.isFinite(value) && value > this.best + this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }

  get epochsSinceBest(): number {
    return this.sinceBest;
  }

  /** Starts the patience count again (after the plateau schedule lowered the rate). */
  resetPatience(): void {
    this.sinceBest = 0;
  }
}

/** Reduce-on-plateau: the multiplier to apply to the base rate after each epoch's validation Dice. */
export class PlateauSchedule {
  multiplier = 1;
  private readonly tracker = new ImprovementTracker();

  constructor(private readonly config: ScheduleConfig) {}

  /** Returns true when this epoch lowered the rate. */
  endEpoch(epoch: number, valDice: number): boolean {
    this.tracker.record(epoch, valDice);
    if (this.tracker.epochsSinceBest >= this.config.patience) {
      this.multiplier *= this.config.factor;
      this.tracker.resetPatience();
      return true;
    }
    return false;
  }
}

/** Early stopping on validation Dice: stop after `patience` epochs without a new best (0 = never stop). */
export class EarlyStopping {
  private readonly tracker = new ImprovementTracker();
  constructor(private readonly patience: number) {}

  /** Returns true when training should stop after this epoch. */
  endEpoch(epoch: number, valDice: number): boolean {
    this.tracker.record(epoch, valDice);
    return this.patience > 0 && this.tracker.epochsSinceBest >= this.patience;
  }
}
