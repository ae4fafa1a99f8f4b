/** A run's step series, kept strictly increasing in step across NaN rollbacks. Pure, for tests. */
import { rollbackAt, type Rollback, type StepRecord } from '../ml/train/config';

export type { Rollback };

export interface StepSeries {
  steps: StepRecord[];
  rollbacks: Rollback[];
}

/**
 * Appends one step. A step number at or below the last one means the trainer restored the
 * checkpoint at `step - 1` (after a NaN): the undone steps are dropped, so the chart never draws
 * backwards, and the rollback is recorded.
 */
export function appendStep(series: StepSeries, point: StepRecord): StepSeries {
  const rollback = rollbackAt(series.steps[series.steps.length - 1]?.step, point.step);
  if (!rollback) return { steps: [...series.steps, point], rollbacks: series.rollbacks };
  const kept = series.steps.filter((s) => s.step < point.step);
  return { steps: [...kept, point], rollbacks: [...series.rollbacks, rollback] };
}

/** A stored series (a resumed run's, which may hold rolled-back steps) made strictly increasing. */
export function stepSeries(points: readonly StepRecord[]): StepSeries {
  return points.reduce(appendStep, { steps: [], rollbacks: [] });
}
