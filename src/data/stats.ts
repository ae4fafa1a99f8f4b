/** Small statistics shared by every layer (data/ is the lowest, so all may import it). */

/** The median; NaN for no values (so a missing figure never reads as 0). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
