/** A seeded toy problem: bright ellipses on a dark gradient, with exact masks. For tests and the spine demo. */
import { emptyPixelSet, type PixelSet } from './dataset';
import { createRng, randomRange } from './random';

export function ellipseDataset(count: number, height: number, width: number, seed = 1): PixelSet {
  const set = emptyPixelSet(count, height, width);
  const rng = createRng(seed);
  const pixels = height * width;
  for (let n = 0; n < count; n++) {
    const cy = randomRange(rng, 0.3, 0.7) * height;
    const cx = randomRange(rng, 0.3, 0.7) * width;
    const ry = randomRange(rng, 0.15, 0.35) * height;
    const rx = randomRange(rng, 0.15, 0.35) * width;
    const tint = [randomRange(rng, 0.6, 1), randomRange(rng, 0.6, 1), randomRange(rng, 0.6, 1)];
    const slope = randomRange(rng, -0.3, 0.3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const inside = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1;
        const background = 0.25 + slope * (x / width - 0.5) + 0.05 * (rng() - 0.5);
        for (let c = 0; c < 3; c++) {
          const value = inside ? tint[c] * (0.85 + 0.1 * rng()) : background;
          set.images[(n * pixels + p) * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, value)));
        }
        set.masks[n * pixels + p] = inside ? 1 : 0;
      }
    }
    set.names[n] = `ellipse_${String(n).padStart(3, '0')}`;
  }
  return set;
}
