/** What the charts draw: long series thinned, step series cut to a zoomed range. Pure, for tests. */

export type StepPoint = { step: number; loss: number; learningRate: number };
/** Inclusive step range shown by the step charts; null shows the whole run. */
export type StepRange = [number, number] | null;

const MAX_POINTS = 600;

/** Keeps at most `max` points, evenly spaced, always with the last one: long runs stay fast to draw. */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/** Steps inside the zoomed range (all without one), thinned: zooming in shows the detail thinning hid. */
export function stepsInRange(steps: readonly StepPoint[], range: StepRange): StepPoint[] {
  return thin(range ? steps.filter((s) => s.step >= range[0] && s.step <= range[1]) : steps);
}

