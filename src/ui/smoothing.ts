/**
 * The step charts' smoothing: a debiased exponential moving average, as TensorBoard draws smoothed
 * scalars since it fixed its first-value bias. Pure, for tests.
 *
 * s_0 = 0, s_t = w * s_(t-1) + (1 - w) * x_t, drawn as s_t / (1 - w^t) (Adam's bias correction).
 * Without the division the curve starts at (1 - w) * x_1, near 0, and needs ~1 / (1 - w) steps to
 * climb to the data; with it the first smoothed value is the first raw value.
 */

/** The slider's top: at w = 1 the average would never move. */
export const MAX_SMOOTHING = 0.99;
/** TensorBoard's default weight. */
export const DEFAULT_SMOOTHING = 0.6;

/**
 * The debiased EMA of `values` with weight `weight` in [0, 1), one output per input. `t` counts the
 * finite values taken so far, not step numbers, so a run resumed at step 500 or a zoomed view still
 * starts on its first value. A non-finite value is skipped (it would poison every later average):
 * its output holds the average so far, NaN before the first finite value.
 *
 * Across a NaN rollback the average simply continues: the page's series has already dropped the
 * undone steps (store/steps.ts), so the steps on either side of the mark are one trajectory, the
 * model restored at step r then trained on; restarting there would make the line jump at each mark.
 */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const out = new Array<number>(values.length);
  let average = 0;
  let decay = 1; // w^t
  let shown = NaN;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) {
      average = weight * average + (1 - weight) * x;
      decay *= weight;
      shown = average / (1 - decay);
    }
    out[i] = shown;
  }
  return out;
}
