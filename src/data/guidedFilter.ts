/**
 * The guided filter (He, Sun, Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013): in every
 * (2r+1)^2 window the output is a linear function of the guide, q = a * I + b, fitted to the input p
 * by least squares with a ridge eps on a; each pixel averages the (a, b) of the windows that hold it.
 * Edges of the guide pass into q; where the guide is flat, q is p smoothed. Pure, no DOM.
 *
 * Box means come from an integral image, so the cost is O(1) a pixel whatever the radius. Windows
 * are clipped at the borders and divided by the pixels they hold (the paper's N).
 */

function checkPlane(name: string, plane: ArrayLike<number>, width: number, height: number): void {
  if (plane.length !== width * height) throw new Error(`guidedFilter: ${name} has ${plane.length} values for ${width}x${height} = ${width * height} pixels`);
}

/**
 * Box means of one size, reusing one integral image: `mean(values)` gives the mean over the window
 * of radius `radius` around each pixel (clipped at the borders).
 */
export function boxMeans(width: number, height: number, radius: number): (values: ArrayLike<number>) => Float32Array {
  if (!(Number.isInteger(radius) && radius >= 0)) throw new Error(`boxMeans: radius ${radius} must be a whole number >= 0`);
  const stride = width + 1;
  // Float64: sums over millions of pixels would lose the low digits a variance needs in Float32.
  const integral = new Float64Array(stride * (height + 1));
  return (values) => {
    checkPlane('the box filter input', values, width, height);
    for (let y = 0; y < height; y++) {
      let row = 0;
      for (let x = 0; x < width; x++) {
        row += values[y * width + x]!;
        integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1]! + row;
      }
    }
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      const top = Math.max(0, y - radius);
      const bottom = Math.min(height, y + radius + 1);
      for (let x = 0; x < width; x++) {
        const left = Math.max(0, x - radius);
        const right = Math.min(width, x + radius + 1);
        const sum = integral[bottom * stride + right]! - integral[top * stride + right]! - integral[bottom * stride + left]! + integral[top * stride + left]!;
        out[y * width + x] = sum / ((bottom - top) * (right - left));
      }
    }
    return out;
  };
}

/** The guided filter with a one-channel guide (values in [0, 1]). */
export function guidedFilterGrey(guide: ArrayLike<number>, input: ArrayLike<number>, width: number, height: number, radius: number, eps: number): Float32Array {
  checkPlane('the guide', guide, width, height);
  checkPlane('the input', input, width, height);
  if (!(eps > 0)) throw new Error(`guidedFilter: eps ${eps} must be above 0`);
  const mean = boxMeans(width, height, radius);
  const n = width * height;
  const product = new Float32Array(n);
  const square = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    product[i] = guide[i]! * input[i]!;
    square[i] = guide[i]! * guide[i]!;
  }
  const meanI = mean(guide);
  const meanP = mean(input);
  const meanIp = mean(product);
  const meanII = mean(square);
  const a = product; // reused: product is no longer needed
  const b = square;
  for (let i = 0; i < n; i++) {
    const variance = meanII[i]! - meanI[i]! * meanI[i]!;
    const covariance = meanIp[i]! - meanI[i]! * meanP[i]!;
    a[i] = covariance / (variance + eps);
    b[i] = meanP[i]! - a[i]! * meanI[i]!;
  }
  const meanA = mean(a);
  const meanB = mean(b);
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = meanA[i]! * guide[i]! + meanB[i]!;
  return q;
}

/**
 * The guided filter with an RGB guide (three planes in [0, 1]): a is a 3-vector per window,
 * a = (Sigma + eps U)^-1 cov(I, p), so edges between colours of equal brightness pass too.
 */
export function guidedFilterColour(
  guide: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
  input: ArrayLike<number>,
  width: number,
  height: number,
  radius: number,
  eps: number,
): Float32Array {
  guide.forEach((plane, c) => checkPlane(`guide channel ${c}`, plane, width, height));
  checkPlane('the input', input, width, height);
  if (!(eps > 0)) throw new Error(`guidedFilter: eps ${eps} must be above 0`);
  const mean = boxMeans(width, height, radius);
  const n = width * height;
  const [r, g, bl] = guide;
  const scratch = new Float32Array(n);
  const meanOf = (f: (i: number) => number) => {
    for (let i = 0; i < n; i++) scratch[i] = f(i);
    return mean(scratch);
  };
  const mR = mean(r);
  const mG = mean(g);
  const mB = mean(bl);
  const mP = mean(input);
  const mRp = meanOf((i) => r[i]! * input[i]!);
  const mGp = meanOf((i) => g[i]! * input[i]!);
  const mBp = meanOf((i) => bl[i]! * input[i]!);
  const mRR = meanOf((i) => r[i]! * r[i]!);
  const mRG = meanOf((i) => r[i]! * g[i]!);
  const mRB = meanOf((i) => r[i]! * bl[i]!);
  const mGG = meanOf((i) => g[i]! * g[i]!);
  const mGB = meanOf((i) => g[i]! * bl[i]!);
  const mBB = meanOf((i) => bl[i]! * bl[i]!);
  const aR = new Float32Array(n);
  const aG = new Float32Array(n);
  const aB = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [mr, mg, mb, mp] = [mR[i]!, mG[i]!, mB[i]!, mP[i]!];
    const cr = mRp[i]! - mr * mp;
    const cg = mGp[i]! - mg * mp;
    const cb = mBp[i]! - mb * mp;
    // Sigma + eps U, symmetric: its inverse by cofactors.
    const rr = mRR[i]! - mr * mr + eps;
    const rg = mRG[i]! - mr * mg;
    const rb = mRB[i]! - mr * mb;
    const gg = mGG[i]! - mg * mg + eps;
    const gb = mGB[i]! - mg * mb;
    const bb = mBB[i]! - mb * mb + eps;
    const i11 = gg * bb - gb * gb;
    const i12 = rb * gb - rg * bb;
    const i13 = rg * gb - rb * gg;
    const i22 = rr * bb - rb * rb;
    const i23 = rb * rg - rr * gb;
    const i33 = rr * gg - rg * rg;
    const det = rr * i11 + rg * i12 + rb * i13;
    const ar = (i11 * cr + i12 * cg + i13 * cb) / det;
    const ag = (i12 * cr + i22 * cg + i23 * cb) / det;
    const ab = (i13 * cr + i23 * cg + i33 * cb) / det;
    aR[i] = ar;
    aG[i] = ag;
    aB[i] = ab;
    b[i] = mp - ar * mr - ag * mg - ab * mb;
  }
  const mAR = mean(aR);
  const mAG = mean(aG);
  const mAB = mean(aB);
  const mB2 = mean(b);
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = mAR[i]! * r[i]! + mAG[i]! * g[i]! + mAB[i]! * bl[i]! + mB2[i]!;
  return q;
}
