/** Seeded randomness: every split, sample and augmentation must be reproducible from a number. */

/** Returns a mulberry32 generator: fast, 32-bit state, uniform in [0, 1). */
export function createRng(seed: number): () => number {
  // Coerce to uint32 so fractional, negative or huge seeds still give a valid, stable state.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max] inclusive. */
export function randomInt(rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Real number in [min, max). */
export function randomRange(rng: () => number, min: number, max: number): number {
  return min + rng() * (max - min);
}

/** Fisher–Yates shuffle; mutates and returns the same array. */
export function shuffleInPlace<T>(array: T[], rng: () => number): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** FNV-1a 32-bit hash of the UTF-16 code units: turns names into seeds. */
export function hashString(s: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    hash ^= s.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
