/** What the charts draw: long series thinned, step series cut to a zoomed range. Pure, for tests. */
import type { StepRecord } from '../ml/train/config';

/** Inclusive step range shown by the step charts; null shows the whole run. */
export type StepRange = [number, number] | null;

const MAX_POINTS = 600;
/** A step chart is ~500 px wide: more points than pixels only cost recharts time on every redraw. */
export const MAX_STEP_POINTS = 300;

/** Keeps at most `max` points, evenly spaced, always with the last one: long runs stay fast to draw. */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/**
 * At most about `max` points that keep the line's shape: per bucket of consecutive points, its
 * lowest and highest (in order), so a one-step loss spike is still drawn; first and last always kept.
 */
export function thinMinMax<T>(points: readonly T[], value: (point: T) => number, max = MAX_STEP_POINTS): T[] {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = (points.length - 2) / buckets;
  const out: T[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = 1 + Math.floor((b + 1) * size);
    let [lo, hi] = [start, start];
    for (let i = start + 1; i < end; i++) {
      if (value(points[i]) < value(points[lo])) lo = i;
      if (value(points[i]) > value(points[hi])) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
  }
  out.push(points[points.length - 1]);
  return out;
}

/** Steps inside the zoomed range (all without one), thinned by `value`: zooming in shows the detail thinning hid. */
export function stepsInRange(steps: readonly StepRecord[], range: StepRange, value: (s: StepRecord) => number = (s) => s.loss): StepRecord[] {
  return thinMinMax(range ? steps.filter((s) => s.step >= range[0] && s.step <= range[1]) : steps, value);
}
