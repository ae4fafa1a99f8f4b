/** Scales, ticks and paths for the live charts' own SVG drawing. Pure, for tests. */

export interface Scale {
  domain: [number, number];
  ticks: number[];
  /** Value to pixels along [0, length]. */
  at(value: number, length: number): number;
}

/** A round step near (max - min) / count: 1, 2 or 5 times a power of ten. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  // d3's thresholds (sqrt 50, 10, 2): the step nearest the raw one on a log scale.
  return (f >= 7.07 ? 10 : f >= 3.16 ? 5 : f >= 1.41 ? 2 : 1) * power;
}

/** Relative difference below which two values are drawn as one (far above float64's 2.2e-16, far below any real change). */
const SAME_VALUE = 1e-9;

/** Finite values only; a single value (or none) still gives a span to draw in. */
export function extent(values: Iterable<number>, log = false): [number, number] | null {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return null;
  // Values a rounding apart count as one: the smoothed first loss is often the raw one +-1 ulp.
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * SAME_VALUE) {
    return log ? [lo / 2, hi * 2] : [lo - (lo === 0 ? 1 : Math.abs(lo) * 0.1), hi + (hi === 0 ? 1 : Math.abs(hi) * 0.1)];
  }
  return [lo, hi];
}

/** More ticks than a chart could show: a cap that holds whatever range comes in. */
const MAX_TICKS = 50;

/** A linear scale over [min, max], widened to round ticks when `nice`; about `count` ticks. */
export function linearScale(range: [number, number], nice: boolean, count = 5, integer = false): Scale {
  const drawable = Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0];
  const [min, max] = drawable ? range : [0, 1];
  let step = niceStep(max - min, count);
  if (integer) step = Math.max(1, Math.round(step));
  const [lo, hi] = nice ? [Math.floor(min / step) * step, Math.ceil(max / step) * step] : [min, max];
  // Ticks by index, never by `t += step`: a step below the values' rounding (a span of 1 ulp) left t
  // unchanged, and the loop filled memory until the page died. Ticks a rounding apart are one tick.
  const ticks: number[] = [];
  const [first, last] = [Math.ceil(lo / step), Math.floor(hi / step + 1e-9)];
  // k counts, not first + k: past 2^53, first + 1 === first.
  for (let k = 0; k < MAX_TICKS && first + k <= last; k++) {
    const tick = Number(((first + k) * step).toPrecision(12));
    if (tick !== ticks[ticks.length - 1]) ticks.push(tick);
  }
  const span = hi - lo || 1;
  return { domain: [lo, hi], ticks, at: (v, length) => ((v - lo) / span) * length };
}

/** A log10 scale widened to powers of ten; ticks at 1, 2 and 5 times each power when few decades show. */
export function logScale(range: [number, number]): Scale {
  // Nothing at or below zero has a log: such a range falls back to one decade, never an endless loop.
  const [min, max] = range[0] > 0 && Number.isFinite(range[1]) && range[1] >= range[0] ? range : [0.1, 1];
  const [a, b] = [Math.floor(Math.log10(min)), Math.ceil(Math.log10(max))];
  const hiExp = b === a ? a + 1 : b;
  const multiples = hiExp - a <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = a; e <= hiExp; e++) for (const m of multiples) if (e < hiExp || m === 1) ticks.push(Number((m * 10 ** e).toPrecision(12)));
  const span = hiExp - a;
  return { domain: [10 ** a, 10 ** hiExp], ticks, at: (v, length) => ((Math.log10(v) - a) / span) * length };
}

/** An SVG path through the points; a missing value breaks the line; `stepAfter` holds each value until the next x. */
export function linePath(points: ReadonlyArray<[number, number]>, stepAfter = false): string {
  let d = '';
  let drawing = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(y)) {
      drawing = false;
      continue;
    }
    const [px, py] = [x.toFixed(1), y.toFixed(1)];
    d += drawing ? (stepAfter ? `H${px}V${py}` : `L${px},${py}`) : `M${px},${py}`;
    drawing = true;
  }
  return d;
}

/**
 * An SVG area over consecutive x spans [x0, x1] each filled between its yLo and yHi (in pixels): the
 * band of the raw extremes behind a thinned or smoothed line. A span with a missing end leaves a gap.
 */
export function bandPath(spans: ReadonlyArray<[x0: number, x1: number, yLo: number, yHi: number]>): string {
  let d = '';
  let run: typeof spans = [];
  const close = () => {
    if (run.length === 0) return;
    const f = (v: number) => v.toFixed(1);
    // Along the top edge left to right, back along the bottom edge right to left.
    d += run.map(([x0, x1, , hi], i) => `${i === 0 ? 'M' : 'L'}${f(x0)},${f(hi)}H${f(x1)}`).join('');
    d +=
      [...run]
        .reverse()
        .map(([x0, x1, lo]) => `L${f(x1)},${f(lo)}H${f(x0)}`)
        .join('') + 'Z';
    run = [];
  };
  for (const span of spans) {
    if (span.every(Number.isFinite)) run = [...run, span];
    else close();
  }
  close();
  return d;
}

/** Index of the point whose x is nearest `x`, in points sorted by x (binary search). */
export function nearestIndex(xs: readonly number[], x: number): number {
  let [lo, hi] = [0, xs.length - 1];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}
