/**
 * Seeded Carvana-like studio scenes with exact masks: one car on a turntable, 16 views. Pure typed
 * arrays, no canvas, so the same code runs in Node (sample script, tests) and in a worker.
 */
import { createCarModel, type CarModel } from './carModel';
import { paintCar } from './carRaster';
import { hashString } from './random';
import { paintStudio, type CameraView } from './photoStudio';

export const ANGLES_PER_CAR = 16;

export interface SceneOptions {
  carSeed: number;
  /** 0..15; turntable angle = angleIndex * 22.5 degrees, 0 = front facing the camera. */
  angleIndex: number;
  width: number;
  height: number;
  /** Leave the car out: the same studio, lighting and noise with an all-zero mask (a negative example). */
  emptyStudio?: boolean;
}

export interface Scene {
  /** width * height * 3, row-major RGB. */
  rgb: Uint8Array;
  /** width * height, 255 on the car, 0 elsewhere. */
  mask: Uint8Array;
}

/** A 12-hex-digit id per car seed, so file names look like Carvana's `<id>_<NN>`. */
export function carId(carSeed: number): string {
  const high = hashString(`carvana-id:${carSeed}`).toString(16).padStart(8, '0');
  const low = (hashString(`carvana-id-low:${carSeed}`) >>> 16).toString(16).padStart(4, '0');
  return high + low;
}

const GROUND_Y = 0.8;
const TILT = (8 * Math.PI) / 180;
// Front and back views are taken closer to the lens: the car looks bigger and taller there.
const NEAR_VIEW_GAIN = 0.24;

/** Magnification of a view: 1 side-on, 1 + NEAR_VIEW_GAIN end-on, easing in as cos^2. */
function nearViewGain(cos: number): number {
  return 1 + NEAR_VIEW_GAIN * cos * cos;
}

function validate({ carSeed, angleIndex, width, height }: SceneOptions): void {
  if (!Number.isFinite(carSeed)) throw new Error(`carSeed must be a finite number, got ${carSeed}`);
  if (!Number.isInteger(angleIndex) || angleIndex < 0 || angleIndex >= ANGLES_PER_CAR) {
    throw new Error(`angleIndex must be an integer in 0..${ANGLES_PER_CAR - 1}, got ${angleIndex}`);
  }
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 8 || value > 8192) throw new Error(`${name} must be an integer in 8..8192, got ${value}`);
  }
}

/** Pixels per metre before the near-view gain: the largest of the 16 views still fits the frame. */
function baseScale(car: CarModel, width: number, height: number): number {
  let scale = (0.84 * width) / car.length;
  for (let i = 0; i < ANGLES_PER_CAR; i++) {
    const angle = (i * 2 * Math.PI) / ANGLES_PER_CAR;
    const s = Math.abs(Math.sin(angle));
    const c = Math.abs(Math.cos(angle));
    const gain = nearViewGain(c);
    const across = car.length * s + (car.width + 2 * car.mirror.reach) * c;
    const deep = (car.length * c + car.width * s) / 2;
    const above = car.roof * Math.cos(TILT) + deep * Math.sin(TILT);
    const below = deep * Math.sin(TILT);
    scale = Math.min(scale, (0.9 * width) / (across * gain), ((GROUND_Y - 0.05) * height) / (above * gain));
    scale = Math.min(scale, ((1 - GROUND_Y - 0.03) * height) / (below * gain));
  }
  return scale;
}

/** Renders one view of one car: a studio photo and its exact mask. */
export function renderCarScene(options: SceneOptions): Scene {
  validate(options);
  const { carSeed, angleIndex, width, height } = options;
  const car = createCarModel(carSeed);
  const angle = (angleIndex * 2 * Math.PI) / ANGLES_PER_CAR;
  const sin = Math.sin(angle);
  const cos = Math.cos(angle);
  const view: CameraView = {
    sin,
    cos,
    sinTilt: Math.sin(TILT),
    cosTilt: Math.cos(TILT),
    scale: baseScale(car, width, height) * nearViewGain(cos),
    centreX: width / 2,
    groundY: GROUND_Y * height,
  };
  const rgb = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  paintStudio(rgb, width, height, view, car, hashString(`studio:${carSeed}`));

  if (!options.emptyStudio) paintCar(rgb, mask, width, height, car, view);
  addNoise(rgb, hashString(`noise:${carSeed}:${angleIndex}`));
  return { rgb, mask };
}

/** Triangular luminance noise of +-2 levels, like a camera sensor's, from a fast xorshift. */
function addNoise(rgb: Uint8Array, seed: number): void {
  let state = seed || 1;
  for (let i = 0; i < rgb.length; i += 3) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const n = (((state & 255) + ((state >>> 8) & 255) - 255) * 2) / 255;
    for (let k = 0; k < 3; k++) {
      const v = rgb[i + k]! + n;
      rgb[i + k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}
