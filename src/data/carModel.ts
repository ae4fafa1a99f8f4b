/**
 * A seeded, parametric car for the synthetic sample: a side profile extruded across a width that
 * narrows toward the roof. Units are metres; x points forward, z up from the ground. The renderer
 * (synthetic.ts) slices it row by row, so everything here is a function of height z.
 */
import { createRng, hashString, randomRange } from './random';

export type Rgb = readonly [number, number, number];

export interface CarModel {
  length: number;
  width: number;
  clearance: number;
  beltline: number;
  roof: number;
  roofWidth: number;
  wheelRadius: number;
  wheelWidth: number;
  /** Axle x positions, front then rear. */
  axles: readonly [number, number];
  windshieldBase: number;
  windshieldTop: number;
  rearWindowBase: number;
  rearWindowTop: number;
  bPillar: number;
  /** Door mirrors: a box each side at the foot of the A-pillar. */
  mirror: { back: number; front: number; low: number; high: number; reach: number };
  hoodCorner: Corner;
  tailCorner: Corner;
  /** Height band of head and tail lights. */
  lightLow: number;
  lightHigh: number;
  colour: Rgb;
  rimColour: Rgb;
}

/** An elliptical rounding of a profile corner. */
interface Corner {
  rx: number;
  rz: number;
}

const BOTTOM_CORNER: Corner = { rx: 0.22, rz: 0.14 };
const ROOF_CORNER: Corner = { rx: 0.22, rz: 0.07 };

// Common car paints, weighted toward the greys and whites that dominate real listings.
const PAINTS: Rgb[] = [
  [236, 236, 234],
  [200, 202, 205],
  [150, 153, 158],
  [95, 98, 104],
  [28, 29, 32],
  [30, 34, 48],
  [160, 22, 28],
  [25, 60, 140],
  [60, 110, 170],
  [40, 80, 50],
  [190, 170, 130],
  [220, 110, 30],
];

type BodyStyle = 'sedan' | 'hatchback' | 'suv' | 'coupe' | 'wagon';
const STYLES: BodyStyle[] = ['sedan', 'sedan', 'hatchback', 'suv', 'suv', 'coupe', 'wagon'];

/** Builds a car from its seed: body style, proportions, paint and wheels. */
export function createCarModel(carSeed: number): CarModel {
  const rng = createRng(hashString(`car-model:${carSeed}`));
  const r = (lo: number, hi: number) => randomRange(rng, lo, hi);
  const style = STYLES[Math.floor(rng() * STYLES.length)]!;

  const suv = style === 'suv';
  const length = style === 'hatchback' ? r(3.9, 4.3) : r(4.4, 4.95);
  const width = length * r(0.38, 0.42);
  const clearance = suv ? r(0.24, 0.3) : r(0.15, 0.2);
  const wheelRadius = suv ? r(0.36, 0.4) : r(0.3, 0.34);
  const beltline = suv ? r(1.0, 1.1) : style === 'coupe' ? r(0.8, 0.88) : r(0.86, 0.95);
  const roof = suv ? r(1.65, 1.8) : style === 'coupe' ? r(1.3, 1.38) : r(1.42, 1.5);
  const hood = style === 'coupe' ? r(1.2, 1.4) : style === 'hatchback' ? r(0.8, 1.0) : r(1.0, 1.25);
  const trunk = style === 'sedan' ? r(0.75, 1.0) : style === 'coupe' ? r(0.5, 0.75) : r(0.12, 0.25);
  const rearRun = style === 'sedan' ? r(0.45, 0.7) : style === 'coupe' ? r(0.8, 1.1) : style === 'hatchback' ? r(0.25, 0.4) : r(0.1, 0.22);

  const windshieldBase = length / 2 - hood;
  const windshieldTop = windshieldBase - r(0.55, 0.8) * (roof - beltline) * 1.6;
  const rearWindowBase = -length / 2 + trunk;
  // A roof shorter than 0.7 m looks like a pickup; shrink the rear slope to keep it.
  const rearWindowTop = Math.min(rearWindowBase + rearRun, windshieldTop - 0.7);
  const frontOverhang = r(0.78, 0.98);
  const rearOverhang = r(0.75, 1.0);

  const paint = PAINTS[Math.floor(rng() * PAINTS.length)]!;
  const tint = r(-12, 12);
  const colour: Rgb = [clampByte(paint[0] + tint), clampByte(paint[1] + tint), clampByte(paint[2] + tint)];
  const rimGrey = r(150, 215);

  return {
    length,
    width,
    clearance,
    beltline,
    roof,
    roofWidth: width * r(0.7, 0.8),
    wheelRadius,
    wheelWidth: r(0.2, 0.26),
    axles: [length / 2 - frontOverhang, -length / 2 + rearOverhang],
    windshieldBase,
    windshieldTop,
    rearWindowBase,
    rearWindowTop,
    bPillar: (windshieldTop + rearWindowTop) / 2 + r(-0.1, 0.1),
    mirror: { back: windshieldBase - 0.3, front: windshieldBase - 0.12, low: beltline + 0.04, high: beltline + 0.17, reach: r(0.13, 0.18) },
    hoodCorner: { rx: r(0.25, 0.5), rz: r(0.15, 0.3) },
    tailCorner: { rx: r(0.12, 0.3), rz: r(0.1, 0.22) },
    lightLow: beltline - r(0.24, 0.3),
    lightHigh: beltline - r(0.08, 0.12),
    colour,
    rimColour: [rimGrey, rimGrey, rimGrey + 4],
  };
}

export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v | 0;
}

/** How far an elliptical corner pulls the outline in at height z (0 outside the corner band). */
function cornerInset(z: number, from: number, corner: Corner, downward: boolean): number {
  const d = downward ? (z - (from - corner.rz)) / corner.rz : (from + corner.rz - z) / corner.rz;
  if (d <= 0) return 0;
  return corner.rx * (1 - Math.sqrt(Math.max(0, 1 - d * d)));
}

export interface Slice {
  back: number;
  front: number;
  /** Full width of the car's cross-section at this height. */
  width: number;
}

/** The car's horizontal cross-section at height z, or null above the roof and below the sills. */
export function sliceAt(car: CarModel, z: number, out: Slice): Slice | null {
  if (z < car.clearance || z > car.roof) return null;
  if (z <= car.beltline) {
    const bottom = cornerInset(z, car.clearance, BOTTOM_CORNER, false);
    out.front = car.length / 2 - bottom - cornerInset(z, car.beltline, car.hoodCorner, true);
    out.back = -car.length / 2 + bottom + cornerInset(z, car.beltline, car.tailCorner, true);
    // Slight tumblehome at the shoulder so the front view is not a box.
    const shoulder = Math.max(0, (z - (car.beltline - 0.12)) / 0.12);
    out.width = car.width * (1 - 0.035 * shoulder * shoulder) - 2 * bottom * 0.3;
    return out;
  }
  const t = (z - car.beltline) / (car.roof - car.beltline);
  const round = cornerInset(z, car.roof, ROOF_CORNER, true);
  out.front = car.windshieldBase + (car.windshieldTop - car.windshieldBase) * t - round;
  out.back = car.rearWindowBase + (car.rearWindowTop - car.rearWindowBase) * t + round;
  out.width = car.width * 0.94 + (car.roofWidth - car.width * 0.94) * t - 2 * round;
  return out;
}

/** Packs a colour scaled by `shade` (plus an additive highlight) into 0xRRGGBB. */
function shadeColour(c: Rgb, shade: number, highlight = 0): number {
  return (clampByte(c[0] * shade + highlight) << 16) | (clampByte(c[1] * shade + highlight) << 8) | clampByte(c[2] * shade + highlight);
}

const GLASS: Rgb = [38, 46, 56];
const TRIM: Rgb = [30, 31, 34];
const HEADLIGHT: Rgb = [236, 238, 230];
const TAILLIGHT: Rgb = [185, 24, 30];
const PLATE: Rgb = [225, 226, 222];

/** Glass: dark, lighter toward the top (sky), with a diagonal reflection streak. */
function glassColour(car: CarModel, along: number, z: number): number {
  const sky = (z - car.beltline) / (car.roof - car.beltline);
  const streak = (((along * 1.3 + z * 2.2) % 1.1) + 1.1) % 1.1 < 0.18 ? 34 : 0;
  return shadeColour(GLASS, 0.85 + 0.45 * sky, streak);
}

/** Paint shading by height: darker sills, brighter toward the roof, a highlight on the shoulder. */
function paintColour(car: CarModel, z: number, faceLight: number, extra = 0): number {
  const t = (z - car.clearance) / (car.roof - car.clearance);
  const shoulder = Math.abs(z - (car.beltline - 0.07)) < 0.025 ? 38 : 0;
  const sill = z < car.clearance + 0.07 ? 0.55 : 1;
  return shadeColour(car.colour, (0.74 + 0.36 * t) * faceLight * sill, shoulder * faceLight + extra);
}

/** Door mirror housings: paint, a little darker than the door. */
export function mirrorColour(car: CarModel, z: number): number {
  return paintColour(car, z, 0.92);
}

/** Heights where the cabin shows glass rather than roof or paint. */
export function isGlassHeight(car: CarModel, z: number): boolean {
  return z > car.beltline + 0.045 && z < car.roof - 0.075;
}

/** Colour of the side of the car at profile position (x, z), inside the slice at z. */
export function sideColour(car: CarModel, x: number, z: number, slice: Slice, scale: number): number {
  if (z > car.beltline) {
    const glassHeight = isGlassHeight(car, z);
    const inGlass = glassHeight && x < slice.front - 0.1 && x > slice.back + 0.13;
    if (inGlass && Math.abs(x - car.bPillar) > 0.045) return glassColour(car, x, z);
    return glassHeight ? shadeColour(TRIM, 1) : paintColour(car, z, 1);
  }
  for (const axle of car.axles) {
    const dx = x - axle;
    const dz = z - car.wheelRadius;
    if (dx * dx + dz * dz < (car.wheelRadius * 1.14) ** 2) return shadeColour(TRIM, 0.7);
  }
  if (z > car.lightLow && z < car.lightHigh) {
    if (x > slice.front - 0.2) return shadeColour(HEADLIGHT, 0.95);
    if (x < slice.back + 0.14) return shadeColour(TAILLIGHT, 1);
  }
  // Door seams: at least one pixel wide so they survive small renders.
  const seam = Math.max(0.012, 0.7 / scale);
  const doorEdges = [car.windshieldBase - 0.08, car.bPillar, car.rearWindowBase + 0.3];
  if (z > car.clearance + 0.1) {
    for (const edge of doorEdges) if (Math.abs(x - edge) < seam) return paintColour(car, z, 0.6);
    const handle = z > car.beltline - 0.15 && z < car.beltline - 0.11;
    if (handle && (Math.abs(x - (car.bPillar - 0.2)) < 0.08 || Math.abs(x - (doorEdges[2]! + 0.2)) < 0.08)) {
      return paintColour(car, z, 1.2);
    }
  }
  return paintColour(car, z, 1);
}

/**
 * Colour of the front (or back) face at lateral position u (metres from the centre line) and height
 * z. `faceLight` dims the end faces relative to the sides, as the studio light falls on the sides.
 */
export function endColour(car: CarModel, u: number, z: number, slice: Slice, isFront: boolean, faceLight: number): number {
  const half = slice.width / 2;
  const a = Math.abs(u);
  if (z > car.beltline) {
    const inGlass = z > car.beltline + 0.06 && z < car.roof - 0.08 && a < half - 0.09;
    return inGlass ? glassColour(car, u, z) : paintColour(car, z, faceLight);
  }
  if (z > car.lightLow && z < car.lightHigh && a > half * 0.55 && a < half - 0.05) {
    return isFront ? shadeColour(HEADLIGHT, 1) : shadeColour(TAILLIGHT, faceLight * 1.1);
  }
  if (isFront && a < half * 0.42 && z > car.lightLow - 0.1 && z < car.lightHigh - 0.02) return shadeColour(TRIM, 1);
  if (a < 0.26 && z > car.clearance + 0.16 && z < car.clearance + 0.28) return shadeColour(PLATE, faceLight);
  if (z < car.clearance + 0.12 && a < half * 0.7) return shadeColour(TRIM, 1.2);
  return paintColour(car, z, faceLight);
}

/** Colour of an upward-facing surface: hood, trunk, shoulders and roof catch the studio ceiling light. */
export function topColour(car: CarModel, x: number, z: number): number {
  // A soft sky reflection band running across the hood and roof.
  const sheen = Math.abs(((((x * 0.9) % 1) + 1) % 1) - 0.5) < 0.08 ? 16 : 0;
  return paintColour(car, z, 1.12, 14 + sheen);
}

const TYRE: Rgb = [34, 34, 37];

/** Colour of a wheel's outer face at normalised radius rho (0 centre .. 1 edge) and angle phi. */
export function wheelFaceColour(car: CarModel, rho: number, phi: number): number {
  if (rho > 0.64) return shadeColour(TYRE, 1 + 0.5 * (1 - rho));
  if (rho < 0.12) return shadeColour(car.rimColour, 0.7);
  // Five spokes: darker gaps between them show the brake behind.
  const spoke = Math.cos(phi * 5) > -0.2 || rho < 0.22 || rho > 0.56;
  return spoke ? shadeColour(car.rimColour, 0.9 + 0.3 * (1 - rho)) : shadeColour(TRIM, 0.8);
}

/** Colour of the tyre tread and inner sidewall. */
export const TREAD_COLOUR = shadeColour(TYRE, 0.8);
