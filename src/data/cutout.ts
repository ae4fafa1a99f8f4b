/** The Carvana use case in pixels: keep the car, make the studio transparent. Pure, so it is unit-tested. */

/** RGBA copy of the photo whose alpha is 255 where sigmoid > threshold (the car) and 0 elsewhere. */
export function cutout(rgba: Uint8ClampedArray, probabilities: Uint8Array, threshold: number): Uint8ClampedArray<ArrayBuffer> {
  if (probabilities.length * 4 !== rgba.length) {
    throw new Error(`cutout: ${probabilities.length} probabilities for ${rgba.length / 4} pixels`);
  }
  const out = new Uint8ClampedArray(rgba);
  const limit = threshold * 255;
  for (let p = 0; p < probabilities.length; p++) out[p * 4 + 3] = probabilities[p] > limit ? 255 : 0;
  return out;
}

/** The thresholded mask, 255 car and 0 background: exactly the cut-out's alpha channel. */
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
