/** Zooming a step chart by keyboard: + and - around a step, arrows pan, 0 or Escape shows all. Pure, for tests. */

/** An inclusive range of whole steps. */
export type StepSpan = [number, number];

/** + halves the steps shown, - doubles them; an arrow moves the view by a quarter of it. */
const ZOOM_IN = 0.5;
const PAN = 0.25;
/** Fewer steps than this are not worth a chart. */
export const MIN_SPAN = 4;

/** Moves [lo, hi] inside `bounds` without changing its width (unless it is wider). */
function clamp([lo, hi]: StepSpan, [first, last]: StepSpan): StepSpan {
  if (lo < first) [lo, hi] = [first, hi + first - lo];
  if (hi > last) [lo, hi] = [Math.max(first, lo - (hi - last)), last];
  return [lo, hi];
}

/** Null when the range covers the whole run, which is the chart's "show all" state. */
function orAll(range: StepSpan, bounds: StepSpan): StepSpan | null {
  return range[0] <= bounds[0] && range[1] >= bounds[1] ? null : range;
}

/**
 * Scales the view by `factor` keeping step `at` where it is on screen; whole steps, at least
 * MIN_SPAN wide, inside `bounds` (the run's first and last step). Null: the whole run.
 */
export function zoomSpan(view: StepSpan, bounds: StepSpan, factor: number, at = (view[0] + view[1]) / 2): StepSpan | null {
  let lo = at - (at - view[0]) * factor;
  let hi = at + (view[1] - at) * factor;
  if (hi - lo < MIN_SPAN) [lo, hi] = [at - MIN_SPAN / 2, at + MIN_SPAN / 2];
  if (hi - lo >= bounds[1] - bounds[0]) return null;
  return orAll(clamp([Math.round(lo), Math.round(hi)], bounds), bounds);
}

/** Moves the view by `fraction` of its width (negative: towards the start), at least one step, inside `bounds`. */
export function panSpan(view: StepSpan, bounds: StepSpan, fraction: number): StepSpan | null {
  const by = Math.sign(fraction) * Math.max(1, Math.round(Math.abs(fraction) * (view[1] - view[0])));
  return orAll(clamp([view[0] + by, view[1] + by], bounds), bounds);
}

/**
 * What a key does to the view: `{ range }` (null: show the whole run), or null for a key that is
 * not a zoom key (left to the page). `at` is the hovered step, else zoom keeps the centre.
 */
export function zoomForKey(key: string, view: StepSpan, bounds: StepSpan, at?: number): { range: StepSpan | null } | null {
  switch (key) {
    case '+':
    case '=': // the + key without shift
      return { range: zoomSpan(view, bounds, ZOOM_IN, at) };
    case '-':
    case '_':
      return { range: zoomSpan(view, bounds, 1 / ZOOM_IN, at) };
    case 'ArrowLeft':
      return { range: panSpan(view, bounds, -PAN) };
    case 'ArrowRight':
      return { range: panSpan(view, bounds, PAN) };
    case '0':
    case 'Escape':
      return { range: null };
    default:
      return null;
  }
}
