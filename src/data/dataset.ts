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

/** A new set holding the chosen pairs, in the given order (copies the bytes). */
export function subset(set: PixelSet, indices: readonly number[]): PixelSet {
  const out = emptyPixelSet(indices.length, set.height, set.width);
  const pixels = set.height * set.width;
  indices.forEach((source, target) => {
    out.images.set(set.images.subarray(source * pixels * 3, (source + 1) * pixels * 3), target * pixels * 3);
    out.masks.set(set.masks.subarray(source * pixels, (source + 1) * pixels), target * pixels);
    out.names[target] = set.names[source];
  });
  return out;
}

/** Bytes a set of `count` pairs will take at height x width. */
export function pixelSetBytes(count: number, height: number, width: number): number {
  return count * height * width * 4;
}

/** Fraction of car pixels in the mask of pair `index`. */
export function maskCoverageOf(set: PixelSet, index: number): number {
  const pixels = set.width * set.height;
  let car = 0;
  for (let p = index * pixels; p < (index + 1) * pixels; p++) car += set.masks[p]!;
  return pixels === 0 ? 0 : car / pixels;
}
