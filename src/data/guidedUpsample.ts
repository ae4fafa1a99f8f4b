/**
 * A probability map at the model's size brought to the photo's own size: bilinearly, or edge-aware
 * (the bilinear map refined by the guided filter with the full-size photo as guide, so the mask's
 * edge moves onto the car's edge in the photo). Pure: the worker uses it for cut-outs, the CLI's
 * page for photo-size metrics.
 */
import { guidedFilterColour, guidedFilterGrey } from './guidedFilter';

export type UpscaleMethod = 'bilinear' | 'guided';
export const UPSCALE_METHODS: readonly UpscaleMethod[] = ['bilinear', 'guided'];

export interface GuidedParameters {
  radius: number;
  eps: number;
  guide: 'grey' | 'colour';
}

/**
 * Chosen by measurement (BENCHMARKS.md, "Full-size masks: edge-aware upscaling"; bench/guided-search.ts):
 * a `transunet` at 64x96 on the 48 test photos (512x512, factor 8) of carvana512-sample, photo-size
 * Dice over radius = {0.5, 1, 2} x factor, eps = {1e-4, 1e-3, 1e-2}, grey and colour guides.
 * Bilinear 0.9636; best colour, radius 1 x factor, eps 1e-4: 0.9663 (grey's best 0.9658; radius
 * 2 x factor lost to bilinear). The radius follows the factor because the bilinear map's blur is
 * about one model pixel wide, i.e. `factor` photo pixels.
 */
export const GUIDED_RADIUS_PER_FACTOR = 1;
export const GUIDED_EPS = 1e-4;
export const GUIDED_GUIDE: GuidedParameters['guide'] = 'colour';

/** How many photo pixels one map pixel covers (the larger of the two axes). */
export function upscaleFactor(fromWidth: number, fromHeight: number, toWidth: number, toHeight: number): number {
  return Math.max(toWidth / fromWidth, toHeight / fromHeight);
}

export function guidedParameters(factor: number): GuidedParameters {
  return { radius: Math.max(1, Math.round(GUIDED_RADIUS_PER_FACTOR * factor)), eps: GUIDED_EPS, guide: GUIDED_GUIDE };
}

/**
 * Bilinear resize of a one-channel map with pixel centres at half-integers (as the canvas and
 * tf.image.resizeBilinear with half-pixel centres), edges clamped; values times `scale`.
 */
export function bilinearResize(map: ArrayLike<number>, fromWidth: number, fromHeight: number, toWidth: number, toHeight: number, scale = 1): Float32Array {
  if (map.length !== fromWidth * fromHeight) throw new Error(`bilinearResize: the map has ${map.length} values for ${fromWidth}x${fromHeight}`);
  const out = new Float32Array(toWidth * toHeight);
  const sx = fromWidth / toWidth;
  const sy = fromHeight / toHeight;
  for (let y = 0; y < toHeight; y++) {
    const fy = Math.min(fromHeight - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(fromHeight - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < toWidth; x++) {
      const fx = Math.min(fromWidth - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(fromWidth - 1, x0 + 1);
      const wx = fx - x0;
      const top = map[y0 * fromWidth + x0]! * (1 - wx) + map[y0 * fromWidth + x1]! * wx;
      const bottom = map[y1 * fromWidth + x0]! * (1 - wx) + map[y1 * fromWidth + x1]! * wx;
      out[y * toWidth + x] = (top * (1 - wy) + bottom * wy) * scale;
    }
  }
  return out;
}

/** The photo's channels in [0, 1]: grey (Rec. 601 luma) or R, G, B. */
function guidePlanes(rgba: ArrayLike<number>, pixels: number): { grey: Float32Array; rgb: [Float32Array, Float32Array, Float32Array] } {
  const r = new Float32Array(pixels);
  const g = new Float32Array(pixels);
  const b = new Float32Array(pixels);
  const grey = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    r[p] = rgba[p * 4]! / 255;
    g[p] = rgba[p * 4 + 1]! / 255;
    b[p] = rgba[p * 4 + 2]! / 255;
    grey[p] = 0.299 * r[p]! + 0.587 * g[p]! + 0.114 * b[p]!;
  }
  return { grey, rgb: [r, g, b] };
}

/** The guided filter of a full-size map (values in [0, 1]) with the photo (RGBA bytes) as guide, clamped to [0, 1]. */
export function refineWithPhoto(map: Float32Array, photo: ArrayLike<number>, width: number, height: number, parameters: GuidedParameters): Float32Array {
  if (photo.length !== width * height * 4) throw new Error(`refineWithPhoto: the photo has ${photo.length / 4} pixels, the map ${width}x${height}`);
  const planes = guidePlanes(photo, width * height);
  const { radius, eps } = parameters;
  const q =
    parameters.guide === 'grey'
      ? guidedFilterGrey(planes.grey, map, width, height, radius, eps)
      : guidedFilterColour(planes.rgb, map, width, height, radius, eps);
  for (let i = 0; i < q.length; i++) q[i] = Math.min(1, Math.max(0, q[i]!));
  return q;
}

/**
 * Probabilities (sigmoid * 255 at the model's size) at the photo's size as bytes, by `method`; a
 * photo no larger than the map is only resized (nothing finer to follow).
 */
export function upscaleProbabilities(
  probabilities: ArrayLike<number>,
  fromWidth: number,
  fromHeight: number,
  photo: ArrayLike<number>,
  width: number,
  height: number,
  method: UpscaleMethod = 'guided',
): Uint8Array<ArrayBuffer> {
  const map = bilinearResize(probabilities, fromWidth, fromHeight, width, height, 1 / 255);
  const factor = upscaleFactor(fromWidth, fromHeight, width, height);
  const refined = method === 'guided' && factor > 1 ? refineWithPhoto(map, photo, width, height, guidedParameters(factor)) : map;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(refined[i]! * 255);
  return out;
}
