/** The photo studio behind the synthetic cars: wall, floor line, turntable and the car's soft shadow. */
import { clampByte, type CarModel } from './carModel';
import { createRng, randomRange } from './random';

/** How the camera sees the floor: everything the studio needs from the car's view. */
export interface CameraView {
  sin: number;
  cos: number;
  /** Camera elevation: sine and cosine of the downward tilt. */
  sinTilt: number;
  cosTilt: number;
  /** Pixels per metre. */
  scale: number;
  centreX: number;
  /** Image row of the turntable centre on the floor. */
  groundY: number;
}

// Fraction of the image height where the wall meets the floor.
const HORIZON_Y = 0.47;
const TURNTABLE_RADIUS_OF_WIDTH = 0.47;

/**
 * Paints the background into `rgb`. Floor pixels are traced back to floor coordinates, so the
 * turntable ring and the shadow foreshorten exactly as the car does.
 */
export function paintStudio(rgb: Uint8Array, width: number, height: number, view: CameraView, car: CarModel, lightSeed: number): void {
  const rng = createRng(lightSeed);
  const bright = randomRange(rng, -8, 5);
  const warm = randomRange(rng, -3, 3);
  const horizon = HORIZON_Y * height;
  const lineHalf = Math.max(0.5, height * 0.002);
  const tableRadius = (TURNTABLE_RADIUS_OF_WIDTH * width) / view.scale;
  const ringHalf = Math.max(0.012, 1.2 / (view.scale * view.sinTilt));
  const halfLength = car.length / 2;
  const halfWidth = car.width / 2;
  const reach = halfLength + 1.5;

  for (let y = 0; y < height; y++) {
    const yc = y + 0.5;
    let grey = yc < horizon ? 248 - 20 * (yc / horizon) ** 1.6 : 212 + 22 * ((yc - horizon) / (height - horizon));
    if (Math.abs(yc - horizon) < lineHalf) grey -= 14;
    grey += bright;
    // Floor depth of this row (toward the camera is positive); only rows near the car need it.
    const depth = (yc - view.groundY) / (view.scale * view.sinTilt);
    const onFloor = yc > horizon + lineHalf && Math.abs(depth) < tableRadius + 0.2;
    for (let x = 0; x < width; x++) {
      let g = grey;
      if (onFloor) {
        const across = (x + 0.5 - view.centreX) / view.scale;
        const radius = Math.sqrt(depth * depth + across * across);
        if (radius < tableRadius) g -= 5;
        if (Math.abs(radius - tableRadius) < ringHalf) g -= 10;
        if (Math.abs(depth) < reach && Math.abs(across) < reach) {
          g *= 1 - shadowDarkness(depth * view.cos + across * view.sin, across * view.cos - depth * view.sin, halfLength, halfWidth, car);
        }
      }
      const i = (y * width + x) * 3;
      rgb[i] = clampByte(g + warm);
      rgb[i + 1] = clampByte(g);
      rgb[i + 2] = clampByte(g - warm + 2);
    }
  }
}

/** Ambient occlusion under the car: dark under the body, darkest at the tyres' contact patches. */
function shadowDarkness(x: number, y: number, halfLength: number, halfWidth: number, car: CarModel): number {
  const ex = Math.max(Math.abs(x) - halfLength * 0.92, 0);
  const ey = Math.max(Math.abs(y) - halfWidth * 0.9, 0);
  const body = 0.42 * Math.exp(-(ex * ex + ey * ey) / 0.09);
  let contact = 0;
  for (const axle of car.axles) {
    const dx = (x - axle) / 0.35;
    const dy = (Math.abs(y) - halfWidth + car.wheelWidth / 2) / 0.25;
    contact = Math.max(contact, 0.3 * Math.exp(-(dx * dx + dy * dy)));
  }
  return Math.min(0.6, body + contact);
}
