/** What the charts draw: long series thinned (with the band of what thinning hid), step series cut to a zoomed range and smoothed. Pure, for tests. */
import type { StepRecord } from '../ml/train/config';
import { smoothSeries } from './smoothing';

/** Inclusive step range shown by the step charts; null shows the whole run. */
export type StepRange = [number, number] | null;

const MAX_POINTS = 600;
/** A step chart is ~500 px wide: more points than pixels only cost time on every redraw. */
export const MAX_STEP_POINTS = 300;

/** Keeps at most `max` points, evenly spaced, always with the last one: long runs stay fast to draw. */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/** The raw lowest and highest value over the steps `from`..`to` that thinning drew as one or two points. */
export interface Bucket {
  from: number;
  to: number;
  lo: number;
  hi: number;
}

/** A thinned series and, when it was thinned, the band of each bucket's raw extremes (empty when not). */
export interface Thinned<T> {
  points: T[];
  band: Bucket[];
}

/**
 * At most about `max` points that keep the line's shape: per bucket of consecutive points, its
 * lowest and highest (in order), so a one-step loss spike is still drawn; first and last always kept.
 * Each bucket's x span and extremes come back as the band, drawn faint so a spike stays visible
 * behind a smoothed line. Non-finite values are never an extreme (a bucket of only those has NaN ends).
 */
export function thinWithBand<T>(points: readonly T[], x: (point: T) => number, value: (point: T) => number, max = MAX_STEP_POINTS): Thinned<T> {
  if (points.length <= max) return { points: [...points], band: [] };
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const inner = points.length - 2;
  const out: T[] = [points[0]];
  const band: Bucket[] = [];
  for (let b = 0; b < buckets; b++) {
    // Multiplied before dividing: (b + 1) * (inner / buckets) can round below inner and lose the last point.
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    let [lo, hi] = [start, start];
    for (let i = start + 1; i < end; i++) {
      const v = value(points[i]);
      if (!Number.isFinite(v)) continue;
      // Negated so that a non-finite extreme so far is always replaced by a finite value.
      if (!(value(points[lo]) <= v)) lo = i;
      if (!(value(points[hi]) >= v)) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
    const [low, high] = [value(points[lo]), value(points[hi])];
    band.push({ from: x(points[start]), to: x(points[end - 1]), lo: Number.isFinite(low) ? low : NaN, hi: Number.isFinite(high) ? high : NaN });
  }
  out.push(points[points.length - 1]);
  return { points: out, band };
}

/** `thinWithBand` without the band: the quick check's loss line. */
export function thinMinMax<T>(points: readonly T[], value: (point: T) => number, max = MAX_STEP_POINTS): T[] {
  return thinWithBand(points, () => 0, value, max).points;
}

/** A step as the loss chart draws it: its record and its loss smoothed over the whole run so far. */
export interface SmoothedStep extends StepRecord {
  smoothed: number;
}

/**
 * Every step with its smoothed loss. Smoothed over the whole run, before zooming and thinning, so a
 * step's smoothed value does not change when the view does.
 */
export function withSmoothedLoss(steps: readonly StepRecord[], weight: number): SmoothedStep[] {
  const smoothed = smoothSeries(
    steps.map((s) => s.loss),
    weight,
  );
  return steps.map((s, i) => ({ ...s, smoothed: smoothed[i] }));
}

/** Steps inside the zoomed range (all without one), thinned by `value`: zooming in shows the detail thinning hid. */
export function stepsInRange<T extends StepRecord>(steps: readonly T[], range: StepRange, value: (s: T) => number): Thinned<T> {
  return thinWithBand(range ? steps.filter((s) => s.step >= range[0] && s.step <= range[1]) : steps, stepOf, value);
}

const stepOf = (s: StepRecord) => s.step;
