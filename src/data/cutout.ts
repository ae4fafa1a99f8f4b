/** The Carvana use case in pixels: keep the car, make the studio transparent. Pure, so it is unit-tested. */

/**
 * How far above the threshold (in probability) the alpha ramps from transparent to opaque. The map
 * is the edge-aware full-size one (data/guidedUpsample), whose values cross the threshold within a
 * pixel or two at the car's edge: this gives that edge a soft, anti-aliased alpha, while the car's
 * inside (well above the threshold) stays opaque. The ramp lies inside the mask only, so no pixel
 * the mask calls background shows the studio's colours as a halo around the composited car.
 */
export const ALPHA_RAMP = 0.25;

/**
 * RGBA copy of the photo with a soft alpha: 0 where sigmoid <= threshold (the mask's background),
 * rising from 1 just above the threshold to 255 at threshold + ALPHA_RAMP and above. So alpha > 0
 * is exactly the thresholded mask.
 */
export function cutout(rgba: Uint8ClampedArray, probabilities: Uint8Array, threshold: number): Uint8ClampedArray<ArrayBuffer> {
  if (probabilities.length * 4 !== rgba.length) {
    throw new Error(`cutout: ${probabilities.length} probabilities for ${rgba.length / 4} pixels`);
  }
  const out = new Uint8ClampedArray(rgba);
  const limit = threshold * 255;
  const perLevel = 1 / ALPHA_RAMP; // alpha levels per probability level
  for (let p = 0; p < probabilities.length; p++) {
    const above = probabilities[p] - limit;
    out[p * 4 + 3] = above > 0 ? Math.max(1, Math.min(255, Math.ceil(above * perLevel))) : 0;
  }
  return out;
}

/** The thresholded mask, 255 car and 0 background: exactly where the cut-out's alpha is above 0. */
export function maskOf(probabilities: Uint8Array, threshold: number): Uint8Array {
  const limit = threshold * 255;
  return probabilities.map((p) => (p > limit ? 255 : 0));
}

/** Share of pixels predicted as car. */
export function carFraction(probabilities: Uint8Array, threshold: number): number {
  const limit = threshold * 255;
  let car = 0;
  for (const p of probabilities) if (p > limit) car++;
  return probabilities.length ? car / probabilities.length : 0;
}

/** FNV-1a over bytes: a short fingerprint to tell whether two models predict exactly the same. */
export function checksum(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
