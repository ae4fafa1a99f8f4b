/**
 * Rasterises a CarModel seen by an orthographic camera tilted down. The car is a stack of thin
 * horizontal slices (body cross-section plus four wheel boxes). Looking down, the highest solid
 * point on a pixel's ray is the nearest, so sweeping slices from the roof down and painting only
 * pixels not yet painted gives exact occlusion; the mask is exactly the painted pixels.
 */
import { endColour, isGlassHeight, mirrorColour, sideColour, sliceAt, topColour, TREAD_COLOUR, wheelFaceColour, type CarModel, type Slice } from './carModel';
import type { CameraView } from './photoStudio';

// Slice spacing in pixels of height. Fine, because a slice step moves the ray ~7x as far across the
// floor at an 8 degree tilt, and coarse steps leave a saw-tooth on slanted silhouette edges.
const SLICE_STEP_PX = 0.1;

const BODY = -1;
const MIRROR = -2;

/** An axis-aligned box of one slice, in car coordinates. */
interface SliceBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** 0..3 for a wheel (axle * 2 + side), else BODY or MIRROR. */
  wheel: number;
  /** For wheels: the y bound that is the outer face (+1: y1, -1: y0). */
  side: number;
}

/** The car's cross-sections at every slice height, computed once per image, not once per row. */
interface SliceTable {
  dz: number;
  back: Float64Array;
  front: Float64Array;
  /** Body width at each slice; NaN where the slice has no body (below the sills). */
  width: Float64Array;
  /** Half the chord of the wheel circle at each slice; 0 above the wheels. */
  wheelHalf: Float64Array;
}

function buildSliceTable(car: CarModel, dz: number): SliceTable {
  const levels = Math.ceil(car.roof / dz) + 2;
  const table: SliceTable = {
    dz,
    back: new Float64Array(levels),
    front: new Float64Array(levels),
    width: new Float64Array(levels).fill(Number.NaN),
    wheelHalf: new Float64Array(levels),
  };
  const slice: Slice = { back: 0, front: 0, width: 0 };
  for (let k = 0; k < levels; k++) {
    const z = k * dz;
    if (sliceAt(car, z, slice)) {
      table.back[k] = slice.back;
      table.front[k] = slice.front;
      table.width[k] = slice.width;
    }
    const dzWheel = z - car.wheelRadius;
    if (Math.abs(dzWheel) < car.wheelRadius) table.wheelHalf[k] = Math.sqrt(car.wheelRadius ** 2 - dzWheel ** 2);
  }
  return table;
}

/** How far a point can move toward the camera, along the floor, before it leaves its box. */
function exitDistance(box: SliceBox, x: number, y: number, towardX: number, towardY: number): number {
  const exitX = towardX > 1e-9 ? (box.x1 - x) / towardX : towardX < -1e-9 ? (box.x0 - x) / towardX : Infinity;
  const exitY = towardY > 1e-9 ? (box.y1 - y) / towardY : towardY < -1e-9 ? (box.y0 - y) / towardY : Infinity;
  return Math.min(exitX, exitY);
}

function exitsThroughX(box: SliceBox, x: number, y: number, towardX: number, towardY: number): boolean {
  const exitX = towardX > 1e-9 ? (box.x1 - x) / towardX : towardX < -1e-9 ? (box.x0 - x) / towardX : Infinity;
  const exitY = towardY > 1e-9 ? (box.y1 - y) / towardY : towardY < -1e-9 ? (box.y0 - y) / towardY : Infinity;
  return exitX < exitY;
}

/** Paints the car over the studio background; sets mask to 255 on every painted pixel. */
export function paintCar(rgb: Uint8Array, mask: Uint8Array, width: number, height: number, car: CarModel, view: CameraView): void {
  const { sin, cos, scale, centreX, sinTilt, cosTilt } = view;
  const dz = SLICE_STEP_PX / scale;
  const table = buildSliceTable(car, dz);
  // Unit direction toward the camera across the floor, in car coordinates.
  const towardX = cos;
  const towardY = -sin;
  const rayRunPerDz = dz * (cosTilt / sinTilt);
  const slice: Slice = { back: 0, front: 0, width: 0 };
  const boxes: SliceBox[] = Array.from({ length: 7 }, () => ({ x0: 0, x1: 0, y0: 0, y1: 0, wheel: BODY, side: 0 }));
  const outer = car.width / 2 + 0.005; // tyres stand a few mm proud of the body, so they show in the arches
  const mirror = car.mirror;
  const deepest = (car.length * Math.abs(cos) + (car.width + 2 * mirror.reach) * Math.abs(sin)) / 2 + 0.05;
  const top = Math.max(0, Math.floor(view.groundY - (car.roof * cosTilt + deepest * sinTilt) * scale));
  const bottom = Math.min(height - 1, Math.ceil(view.groundY + deepest * sinTilt * scale));
  const covered: number[] = [];
  const span = new Float64Array(2);

  const colourOf = (box: SliceBox, x: number, y: number, z: number, k: number): number => {
    const exit = exitDistance(box, x, y, towardX, towardY);
    const throughX = exitsThroughX(box, x, y, towardX, towardY);
    if (box.wheel === MIRROR) return exit >= rayRunPerDz * 2 ? topColour(car, x, z) : mirrorColour(car, z);
    if (box.wheel >= 0) {
      const outerFace = !throughX && exit < rayRunPerDz * 2 && box.side * towardY > 0;
      if (!outerFace) return TREAD_COLOUR;
      const dx = (x - car.axles[box.wheel >> 1]!) / car.wheelRadius;
      const dzw = (z - car.wheelRadius) / car.wheelRadius;
      return wheelFaceColour(car, Math.min(1, Math.sqrt(dx * dx + dzw * dzw)), Math.atan2(dzw, dx));
    }
    // How fast the face the ray came through leans inward, metres per metre of height: ~0 for a
    // wall, large for a rounded roof edge or shoulder. Shading by slope keeps round edges smooth.
    const above = k + 1;
    const retreat = Number.isNaN(table.width[above]!)
      ? Infinity
      : throughX
        ? Math.abs(cos > 0 ? table.front[k]! - table.front[above]! : table.back[above]! - table.back[k]!) / dz
        : Math.abs(table.width[k]! - table.width[above]!) / (2 * dz);
    // The band this slice exposes on its face, measured along the ray like `exit`.
    const band = rayRunPerDz * 1.5 + (retreat * dz) / Math.max(1e-6, Math.abs(throughX ? towardX : towardY));
    if (exit >= band || (retreat > 1.6 && !isGlassHeight(car, z))) return topColour(car, x, z);
    slice.back = table.back[k]!;
    slice.front = table.front[k]!;
    slice.width = table.width[k]!;
    return throughX ? endColour(car, y, z, slice, cos > 0, 0.84) : sideColour(car, x, z, slice, scale);
  };

  for (let row = top; row <= bottom; row++) {
    const v = (view.groundY - (row + 0.5)) / scale;
    covered.length = 0;
    // Only slices whose rays for this row cross the car's footprint, highest first.
    const kHigh = Math.min(table.width.length - 2, Math.floor((v + deepest * sinTilt) / cosTilt / dz));
    const kLow = Math.max(0, Math.ceil((v - deepest * sinTilt) / cosTilt / dz));
    for (let k = kHigh; k >= kLow; k--) {
      const z = k * dz;
      let count = 0;
      if (!Number.isNaN(table.width[k]!)) {
        setBox(boxes[count++]!, table.back[k]!, table.front[k]!, -table.width[k]! / 2, table.width[k]! / 2, BODY, 0);
      }
      if (z > mirror.low && z < mirror.high) {
        const halfBody = car.width / 2 - 0.02;
        setBox(boxes[count++]!, mirror.back, mirror.front, halfBody, halfBody + mirror.reach, MIRROR, 1);
        setBox(boxes[count++]!, mirror.back, mirror.front, -halfBody - mirror.reach, -halfBody, MIRROR, -1);
      }
      const half = table.wheelHalf[k]!;
      if (half > 0) {
        for (let a = 0; a < 2; a++) {
          const axle = car.axles[a]!;
          setBox(boxes[count++]!, axle - half, axle + half, outer - car.wheelWidth, outer, a * 2, 1);
          setBox(boxes[count++]!, axle - half, axle + half, -outer, -outer + car.wheelWidth, a * 2 + 1, -1);
        }
      }
      // Floor depth where this row's rays cross height z; row points are depth*(cos,-sin) + t*(sin,cos).
      const depth = (z * cosTilt - v) / sinTilt;
      for (let b = 0; b < count; b++) {
        const box = boxes[b]!;
        clipToBox(box, depth, sin, cos, span);
        const p0 = Math.max(0, Math.ceil(centreX + span[0]! * scale - 0.5));
        const p1 = Math.min(width - 1, Math.floor(centreX + span[1]! * scale - 0.5));
        if (p0 > p1 || isCovered(covered, p0, p1)) continue;
        forEachUncovered(covered, p0, p1, (first, last) => {
          for (let px = first; px <= last; px++) {
            const t = (px + 0.5 - centreX) / scale;
            const x = depth * cos + t * sin;
            const y = -depth * sin + t * cos;
            // Boxes of one slice can overlap (tyre inside the arch): the one the ray entered first wins.
            let best = box;
            let bestExit = exitDistance(box, x, y, towardX, towardY);
            for (let o = 0; o < count; o++) {
              const other = boxes[o]!;
              if (other === box || x < other.x0 || x > other.x1 || y < other.y0 || y > other.y1) continue;
              const exit = exitDistance(other, x, y, towardX, towardY);
              if (exit > bestExit) [best, bestExit] = [other, exit];
            }
            const colour = colourOf(best, x, y, z, k);
            const i = row * width + px;
            rgb[i * 3] = colour >> 16;
            rgb[i * 3 + 1] = (colour >> 8) & 255;
            rgb[i * 3 + 2] = colour & 255;
            mask[i] = 255;
          }
        });
        cover(covered, p0, p1);
      }
    }
  }
}

function setBox(box: SliceBox, x0: number, x1: number, y0: number, y1: number, wheel: number, side: number): void {
  box.x0 = x0;
  box.x1 = x1;
  box.y0 = y0;
  box.y1 = y1;
  box.wheel = wheel;
  box.side = side;
}

/**
 * Writes into `out` the range of t (metres right of centre) where the row's line at `depth` lies
 * inside the box: x = depth*cos + t*sin in [x0, x1] and y = -depth*sin + t*cos in [y0, y1].
 */
function clipToBox(box: SliceBox, depth: number, sin: number, cos: number, out: Float64Array): void {
  out[0] = -Infinity;
  out[1] = Infinity;
  clipSlab(box.x0 - depth * cos, box.x1 - depth * cos, sin, out);
  clipSlab(box.y0 + depth * sin, box.y1 + depth * sin, cos, out);
}

/** Narrows out = [lo, hi] to the t where lower <= t * rate <= upper. */
function clipSlab(lower: number, upper: number, rate: number, out: Float64Array): void {
  if (Math.abs(rate) < 1e-9) {
    if (lower > 0 || upper < 0) out[0] = Infinity;
    return;
  }
  const a = lower / rate;
  const b = upper / rate;
  out[0] = Math.max(out[0]!, Math.min(a, b));
  out[1] = Math.min(out[1]!, Math.max(a, b));
}

/** Whether [p0, p1] lies inside one span of `covered` (flat sorted [start, end] pairs). */
function isCovered(covered: number[], p0: number, p1: number): boolean {
  for (let i = 0; i < covered.length; i += 2) if (covered[i]! <= p0 && covered[i + 1]! >= p1) return true;
  return false;
}

/** Calls fn for each maximal sub-span of [p0, p1] not in `covered`. */
function forEachUncovered(covered: number[], p0: number, p1: number, fn: (a: number, b: number) => void): void {
  let start = p0;
  for (let i = 0; i < covered.length && start <= p1; i += 2) {
    const a = covered[i]!;
    const b = covered[i + 1]!;
    if (b < start) continue;
    if (a > p1) break;
    if (a > start) fn(start, a - 1);
    start = Math.max(start, b + 1);
  }
  if (start <= p1) fn(start, p1);
}

/** Adds [p0, p1] to `covered`, merging spans that overlap or touch. */
function cover(covered: number[], p0: number, p1: number): void {
  const merged: number[] = [];
  let placed = false;
  for (let i = 0; i < covered.length; i += 2) {
    const a = covered[i]!;
    const b = covered[i + 1]!;
    if (b + 1 < p0) merged.push(a, b);
    else if (a > p1 + 1) {
      if (!placed) merged.push(p0, p1);
      placed = true;
      merged.push(a, b);
    } else {
      p0 = Math.min(p0, a);
      p1 = Math.max(p1, b);
    }
  }
  if (!placed) merged.push(p0, p1);
  covered.length = 0;
  covered.push(...merged);
}
