import { describe, expect, it } from 'vitest';
import { ANGLES_PER_CAR, carId, renderCarScene } from './synthetic';

const W = 192;
const H = 128;

function coverage(mask: Uint8Array): number {
  let car = 0;
  for (const v of mask) if (v) car++;
  return car / mask.length;
}

/** Intersection over union of two binary masks. */
function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}

describe('renderCarScene', () => {
  it('returns buffers of the requested size', () => {
    const { rgb, mask } = renderCarScene({ carSeed: 1, angleIndex: 0, width: 100, height: 60 });
    expect(rgb).toBeInstanceOf(Uint8Array);
    expect(rgb.length).toBe(100 * 60 * 3);
    expect(mask.length).toBe(100 * 60);
  });

  it('is deterministic', () => {
    const a = renderCarScene({ carSeed: 42, angleIndex: 5, width: W, height: H });
    const b = renderCarScene({ carSeed: 42, angleIndex: 5, width: W, height: H });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
  });

  it('produces a binary mask (only 0 and 255)', () => {
    for (const angleIndex of [0, 3, 6, 9]) {
      const { mask } = renderCarScene({ carSeed: 3, angleIndex, width: W, height: H });
      expect(new Set(mask)).toEqual(new Set([0, 255]));
    }
  });

  it('covers 15-45% of the image, like Carvana, for every angle of several cars', () => {
    for (const carSeed of [1, 2, 3, 4, 5, 6, 7, 8, 99, 1234]) {
      for (let angleIndex = 0; angleIndex < ANGLES_PER_CAR; angleIndex++) {
        const fraction = coverage(renderCarScene({ carSeed, angleIndex, width: W, height: H }).mask);
        expect(fraction).toBeGreaterThan(0.15);
        expect(fraction).toBeLessThan(0.45);
      }
    }
  });

  it('keeps coverage about the same at other sizes (aspect-correct geometry, +-0.02)', () => {
    const small = coverage(renderCarScene({ carSeed: 9, angleIndex: 2, width: 192, height: 128 }).mask);
    const large = coverage(renderCarScene({ carSeed: 9, angleIndex: 2, width: 768, height: 512 }).mask);
    expect(Math.abs(small - large)).toBeLessThan(0.02);
  });

  it('leaves every pixel outside the mask exactly as the empty studio (shadow, turntable included)', () => {
    for (const angleIndex of [1, 4, 8]) {
      const scene = renderCarScene({ carSeed: 11, angleIndex, width: W, height: H });
      const empty = renderCarScene({ carSeed: 11, angleIndex, width: W, height: H, emptyStudio: true });
      expect(coverage(empty.mask)).toBe(0);
      let mismatches = 0;
      let changedOnCar = 0;
      let carPixels = 0;
      for (let p = 0; p < W * H; p++) {
        const diff = Math.max(...[0, 1, 2].map((c) => Math.abs(scene.rgb[p * 3 + c]! - empty.rgb[p * 3 + c]!)));
        if (scene.mask[p] === 0 && diff !== 0) mismatches++;
        if (scene.mask[p] === 255) {
          carPixels++;
          if (diff > 10) changedOnCar++;
        }
      }
      expect(mismatches).toBe(0);
      // The car is painted over its whole mask: nearly every mask pixel differs visibly from the studio.
      expect(changedOnCar / carPixels).toBeGreaterThan(0.9);
    }
  });

  it('paints the car in colours that differ from the background (mean abs difference > 25 levels)', () => {
    for (const carSeed of [1, 2, 8]) {
      const { rgb, mask } = renderCarScene({ carSeed, angleIndex: 2, width: W, height: H });
      const mean = (wanted: number) => {
        const sums = [0, 0, 0];
        let n = 0;
        for (let p = 0; p < mask.length; p++) {
          if (mask[p] !== wanted) continue;
          for (let c = 0; c < 3; c++) sums[c]! += rgb[p * 3 + c]!;
          n++;
        }
        return sums.map((s) => s / n);
      };
      const car = mean(255);
      const background = mean(0);
      const meanAbsDiff = (Math.abs(car[0]! - background[0]!) + Math.abs(car[1]! - background[1]!) + Math.abs(car[2]! - background[2]!)) / 3;
      expect(meanAbsDiff).toBeGreaterThan(25);
    }
  });

  it('draws different cars differently and different angles differently', () => {
    const a = renderCarScene({ carSeed: 1, angleIndex: 3, width: W, height: H });
    const b = renderCarScene({ carSeed: 2, angleIndex: 3, width: W, height: H });
    const c = renderCarScene({ carSeed: 1, angleIndex: 6, width: W, height: H });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(false);
    expect(iou(a.mask, b.mask)).toBeLessThan(0.95);
    expect(iou(a.mask, c.mask)).toBeLessThan(0.9);
  });

  it('mirrors the silhouette between the two side views (angles 4 and 12), within 3% IoU', () => {
    const left = renderCarScene({ carSeed: 5, angleIndex: 4, width: W, height: H }).mask;
    const right = renderCarScene({ carSeed: 5, angleIndex: 12, width: W, height: H }).mask;
    const flipped = new Uint8Array(left.length);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) flipped[y * W + x] = right[y * W + (W - 1 - x)]!;
    expect(iou(left, flipped)).toBeGreaterThan(0.97);
    expect(iou(left, right)).toBeLessThan(0.97);
  });

  it('shows the car wider in the side view than in the front view', () => {
    const columns = (mask: Uint8Array) => {
      let count = 0;
      for (let x = 0; x < W; x++) {
        for (let y = 0; y < H; y++) {
          if (mask[y * W + x]) {
            count++;
            break;
          }
        }
      }
      return count;
    };
    const front = columns(renderCarScene({ carSeed: 7, angleIndex: 0, width: W, height: H }).mask);
    const side = columns(renderCarScene({ carSeed: 7, angleIndex: 4, width: W, height: H }).mask);
    expect(side).toBeGreaterThan(front * 1.5);
  });

  it('renders at the full Carvana size, 1918x1280 (speed is measured by the bench, not here)', () => {
    const { rgb, mask } = renderCarScene({ carSeed: 5, angleIndex: 2, width: 1918, height: 1280 });
    expect(rgb.length).toBe(1918 * 1280 * 3);
    expect(mask.length).toBe(1918 * 1280);
  });

  it.each([
    [{ carSeed: 1, angleIndex: 16, width: W, height: H }, /angleIndex/],
    [{ carSeed: 1, angleIndex: 1.5, width: W, height: H }, /angleIndex/],
    [{ carSeed: 1, angleIndex: 0, width: 0, height: H }, /width/],
    [{ carSeed: 1, angleIndex: 0, width: W, height: 12.5 }, /height/],
    [{ carSeed: Number.NaN, angleIndex: 0, width: W, height: H }, /carSeed/],
  ])('rejects %o', (options, message) => {
    expect(() => renderCarScene(options)).toThrow(message);
  });
});

describe('carId', () => {
  it('is 12 lower-case hex digits, deterministic, and distinct across 1000 seeds', () => {
    expect(carId(7)).toBe(carId(7));
    const ids = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const id = carId(seed);
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });
});
