/**
 * Decoded pairs held as Uint8 at the training size: 3 bytes of image and 1 byte of mask a pixel,
 * pairs x H x W x 4 bytes (a quarter of float32's x 16): 5,088 Carvana pairs at 128x192 are
 * 5,088 x 128 x 192 x 4 = 500 MB as uint8 instead of 2.0 GB as float32.
 */
export interface PixelSet {
  height: number;
  width: number;
  /** Number of pairs. */
  count: number;
  /** RGB, row-major, [count, height, width, 3]. */
  images: Uint8Array;
  /** 1 for car, 0 for background, [count, height, width]. */
  masks: Uint8Array;
  /** Stem of each pair, for messages and overlays. */
  names: string[];
}

export function emptyPixelSet(count: number, height: number, width: number): PixelSet {
  return {
    height,
    width,
    count,
    images: new Uint8Array(count * height * width * 3),
    masks: new Uint8Array(count * height * width),
    names: new Array<string>(count).fill(''),
  };
}

/** A new set holding the chosen pairs, in the given order (copies the bytes: tests and tools only; runs use views). */
export function subset(set: PixelSet, indices: readonly number[]): PixelSet {
  const out = emptyPixelSet(indices.length, set.height, set.width);
  indices.forEach((source, target) => {
    out.images.set(pairImage(set, source), target * set.height * set.width * 3);
    out.masks.set(pairMask(set, source), target * set.height * set.width);
    out.names[target] = set.names[source];
  });
  return out;
}

/**
 * Some pairs of a set by position, sharing its bytes: a run's train, val and test are three views of
 * the one decoded set, so the pixels are held once, as the memory budget counts them.
 */
export interface SplitView {
  readonly set: PixelSet;
  /** Positions in `set`, in the view's order. */
  readonly indices: readonly number[];
  readonly height: number;
  readonly width: number;
  readonly count: number;
  readonly names: readonly string[];
}

/** What batches, evaluation, predictions and overlays read pairs from: a whole set or a view of one. */
export type Pairs = PixelSet | SplitView;

export function splitView(set: PixelSet, indices: readonly number[]): SplitView {
  for (const i of indices) if (!(i >= 0 && i < set.count)) throw new Error(`Pair ${i} is not in a set of ${set.count}.`);
  return { set, indices: [...indices], height: set.height, width: set.width, count: indices.length, names: indices.map((i) => set.names[i]) };
}

function locate(pairs: Pairs, i: number): { set: PixelSet; index: number } {
  return 'indices' in pairs ? { set: pairs.set, index: pairs.indices[i] } : { set: pairs, index: i };
}

/** RGB of pair `i`, [H, W, 3]: a window on the set's bytes, not a copy. */
export function pairImage(pairs: Pairs, i: number): Uint8Array {
  const { set, index } = locate(pairs, i);
  const size = set.height * set.width * 3;
  return set.images.subarray(index * size, (index + 1) * size);
}

/** Mask of pair `i`, [H, W] of 0/1: a window on the set's bytes, not a copy. */
export function pairMask(pairs: Pairs, i: number): Uint8Array {
  const { set, index } = locate(pairs, i);
  const size = set.height * set.width;
  return set.masks.subarray(index * size, (index + 1) * size);
}

/**
 * Keeps the listed pairs (ascending positions) by moving them to the front of the same buffers:
 * dropping pairs that failed to decode needs no second copy of the set.
 */
export function keepPairs(set: PixelSet, keep: readonly number[]): PixelSet {
  const [image, mask] = [set.height * set.width * 3, set.height * set.width];
  keep.forEach((source, target) => {
    if (target > 0 && source <= keep[target - 1]) throw new Error('keepPairs needs ascending positions.');
    set.images.copyWithin(target * image, source * image, (source + 1) * image);
    set.masks.copyWithin(target * mask, source * mask, (source + 1) * mask);
  });
  return {
    height: set.height,
    width: set.width,
    count: keep.length,
    images: set.images.subarray(0, keep.length * image),
    masks: set.masks.subarray(0, keep.length * mask),
    names: keep.map((i) => set.names[i]),
  };
}

/** Bytes a set of `count` pairs will take at height x width. */
export function pixelSetBytes(count: number, height: number, width: number): number {
  return count * height * width * 4;
}

/** Fraction of car pixels in the mask of pair `index`. */
export function maskCoverageOf(set: Pairs, index: number): number {
  const mask = pairMask(set, index);
  let car = 0;
  for (let p = 0; p < mask.length; p++) car += mask[p]!;
  return mask.length === 0 ? 0 : car / mask.length;
}

/**
 * The data's identity by content: SHA-256 over the size and, in name order, each pair's name and
 * the SHA-256 of its decoded image and mask bytes. Changed pixels under the same names give another
 * identity; the order files were listed in does not matter. Hashing pair by pair keeps SubtleCrypto's
 * copy of its input to one pair.
 */
export async function pixelSetFingerprint(set: PixelSet): Promise<string> {
  const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  const digest = async (bytes: Uint8Array) => hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  const lines: string[] = [];
  for (let i = 0; i < set.count; i++) lines.push(`${set.names[i]}\0${await digest(pairImage(set, i))}\0${await digest(pairMask(set, i))}`);
  const text = `${set.height}x${set.width}\n${lines.sort().join('\n')}`;
  return `sha256:${await digest(new TextEncoder().encode(text))}`;
}
