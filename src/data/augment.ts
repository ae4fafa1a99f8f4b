/**
 * On-the-fly augmentation of a training batch in tf ops: every geometric change is applied to the
 * image and its mask together, so the pair still matches.
 *
 * Only kernels that exist on webgl, webgpu, cpu and wasm are used (reverse, select, cropAndResize,
 * element-wise and reductions); notably not `tf.image.transform`, which wasm lacks. Random numbers
 * come from the seeded JS generator, never tf's random ops, so a seed gives the same batch on every
 * backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batches';
import { createRng, randomRange } from './random';

export interface AugmentOptions {
  /** Horizontal mirror with probability 0.5 (image and mask). */
  flip: boolean;
  /** Brightness and contrast jitter (image only). */
  colour: boolean;
  /** Small zoom and shift (image and mask). */
  shiftScale: boolean;
}

export const DEFAULT_AUGMENT: AugmentOptions = { flip: true, colour: true, shiftScale: true };
export const NO_AUGMENT: AugmentOptions = { flip: false, colour: false, shiftScale: false };

/** The ranges of every random parameter, in one place so the UI and tests can quote them. */
export const AUGMENT_RANGES = {
  flipProbability: 0.5,
  brightness: [-0.1, 0.1],
  contrast: [0.8, 1.2],
  zoom: [0.9, 1.1],
  /** Shift of the crop centre, as a fraction of each side. */
  shift: [-0.06, 0.06],
} as const;

/** Per-image random parameters. */
export interface AugmentParams {
  flip: boolean;
  brightness: number;
  contrast: number;
  zoom: number;
  shiftY: number;
  shiftX: number;
}

/** A short label for the UI, e.g. "flip, colour, shift/scale" or "none". */
export function describeAugment(options: AugmentOptions): string {
  const parts: string[] = [];
  if (options.flip) parts.push('flip');
  if (options.colour) parts.push('colour');
  if (options.shiftScale) parts.push('shift/scale');
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * Draws the parameters of `count` images from `seed`. All six numbers are drawn for every image
 * whatever the options, so switching one transform off leaves the others' draws unchanged.
 */
export function drawAugmentParams(count: number, seed: number): AugmentParams[] {
  const rng = createRng(seed);
  const r = AUGMENT_RANGES;
  return Array.from({ length: count }, () => ({
    flip: rng() < r.flipProbability,
    brightness: randomRange(rng, r.brightness[0], r.brightness[1]),
    contrast: randomRange(rng, r.contrast[0], r.contrast[1]),
    zoom: randomRange(rng, r.zoom[0], r.zoom[1]),
    shiftY: randomRange(rng, r.shift[0], r.shift[1]),
    shiftX: randomRange(rng, r.shift[0], r.shift[1]),
  }));
}

/**
 * Normalised crop boxes [y1, x1, y2, x2] for cropAndResize: a box 1/zoom the size of the image
 * (zoom > 1 magnifies), centred at 0.5 + shift. Boxes reaching outside [0, 1] sample the fill.
 */
export function cropBoxes(params: readonly AugmentParams[]): number[][] {
  return params.map(({ zoom, shiftY, shiftX }) => {
    const half = 0.5 / zoom;
    const cy = 0.5 + shiftY;
    const cx = 0.5 + shiftX;
    return [cy - half, cx - half, cy + half, cx + half];
  });
}

/** Mirrors the images whose flag is set; exact (a reverse and a select, no arithmetic). */
function flipWhere<T extends tf.Tensor4D>(t: T, flags: tf.Tensor4D): T {
  return tf.where(flags, tf.reverse(t, 2), t) as T;
}

/**
 * The colour of the area a shift or zoom-out uncovers, per image and channel: the mean of the
 * BACKGROUND pixels (mask 0). The mask's fill is 0 (background), so the image's fill should look
 * like background too: a fixed light grey suits Carvana's studio but not a dark scene, and the
 * whole-image mean mixes in the car's colour. An image that is all car falls back to its mean.
 */
function backgroundColour(x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D {
  const background = tf.sub(1, y);
  const count = tf.sum(background, [1, 2], true);
  const backgroundMean = tf.divNoNan(tf.sum(tf.mul(x, background), [1, 2], true), count);
  return tf.where(tf.greater(count, 0), backgroundMean, tf.mean(x, [1, 2], true)) as tf.Tensor4D;
}

/**
 * Returns a new, augmented batch (the caller still owns and disposes the input batch).
 * Deterministic for a given seed; with every option off the values equal the input exactly.
 */
export function augmentBatch(batch: Batch, options: AugmentOptions, seed: number): Batch {
  const [count, height, width, channels] = batch.x.shape;
  if (channels !== 3 || batch.y.shape[3] !== 1 || batch.y.shape[0] !== count || batch.y.shape[1] !== height || batch.y.shape[2] !== width) {
    throw new Error(`augmentBatch needs x [B,H,W,3] and y [B,H,W,1] of the same B, H, W; got x [${batch.x.shape}] and y [${batch.y.shape}].`);
  }
  const params = drawAugmentParams(count, seed);

  return tf.tidy(() => {
    // Clones, so the result is always a new tensor the caller can dispose on its own.
    let x = tf.clone(batch.x);
    let y = tf.clone(batch.y);

    if (options.flip) {
      const flags = tf.tensor4d(
        params.map((p) => p.flip),
        [count, 1, 1, 1],
        'bool',
      );
      x = flipWhere(x, flags);
      y = flipWhere(y, flags);
    }

    if (options.shiftScale) {
      const boxes = tf.tensor2d(cropBoxes(params), [count, 4], 'float32');
      const boxIndex = tf.tensor1d(
        params.map((_, i) => i),
        'int32',
      );
      const size: [number, number] = [height, width];
      // cropAndResize takes one scalar fill for all images, so crop (x - fill) with fill 0 and add
      // the per-image fill back: inside the image that is plain bilinear sampling of x.
      const fill = backgroundColour(x, y);
      x = tf.add(tf.image.cropAndResize(tf.sub(x, fill) as tf.Tensor4D, boxes, boxIndex, size, 'bilinear', 0), fill) as tf.Tensor4D;
      // Nearest keeps the mask binary; the same boxes move it exactly as the image.
      y = tf.image.cropAndResize(y, boxes, boxIndex, size, 'nearest', 0);
    }

    if (options.colour) {
      // After the geometry, so the filled border gets the same jitter as the rest of the image.
      const brightness = tf.tensor4d(
        params.map((p) => p.brightness),
        [count, 1, 1, 1],
      );
      const contrast = tf.tensor4d(
        params.map((p) => p.contrast),
        [count, 1, 1, 1],
      );
      // Per image and channel mean, as TensorFlow's adjust_contrast.
      const mean = tf.mean(x, [1, 2], true);
      x = tf.clipByValue(tf.add(tf.add(tf.mul(tf.sub(x, mean), contrast), mean), brightness), 0, 1) as tf.Tensor4D;
    }

    return { x, y };
  });
}
