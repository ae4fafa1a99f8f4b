/**
 * Weight layouts between tfjs and PyTorch (DESIGN 5b). tfjs stores conv kernels HWIO and Dense kernels
 * [in, out]; PyTorch stores Conv2d weights OIHW and Linear weights [out, in]. The layer table names
 * every weight in PyTorch's layout; ONNX's Conv takes OIHW too, its MatMul takes [in, out] back.
 */

/** A dense float32 array with its shape (row-major). */
export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/** One weight in PyTorch's layout, keyed as the PyTorch module names it ("weight", "running_mean", "qkv.bias"). */
export interface TorchWeight extends WeightArray {
  key: string;
}

/** `out[i_perm] = in[i]`: numpy's transpose(perm) of a row-major array. */
export function transpose(w: WeightArray, perm: readonly number[]): WeightArray {
  const { shape, values } = w;
  if (perm.length !== shape.length || [...perm].sort().some((p, k) => p !== k)) {
    throw new Error(`transpose: perm [${perm.join(', ')}] does not fit shape [${shape.join(', ')}]`);
  }
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  // For each output axis, the input stride it walks along.
  const walk = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(values.length);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = values[source]!;
    // Odometer over the output index, moving `source` by the matching input strides.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      source += walk[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      source -= walk[axis]! * outShape[axis]!;
      index[axis] = 0;
    }
  }
  return { shape: outShape, values: out };
}

/** tfjs conv kernel [kh, kw, in, out] -> PyTorch / ONNX [out, in, kh, kw]. */
export const hwioToOihw = (kernel: WeightArray): WeightArray => transpose(kernel, [3, 2, 0, 1]);

/** tfjs Dense kernel [in, out] -> PyTorch Linear weight [out, in] (and back: it is its own inverse). */
export const swapLastTwo = (kernel: WeightArray): WeightArray => transpose(kernel, [1, 0]);

export const torchWeight = (key: string, w: WeightArray): TorchWeight => ({ key, shape: w.shape, values: w.values });

/** The inverse permutation: `transpose(transpose(w, perm), inversePerm(perm))` is `w`. */
export const inversePerm = (perm: readonly number[]): number[] => perm.map((_, k) => perm.indexOf(k));

/**
 * How one tfjs weight becomes one PyTorch tensor, and back: the layer table names a layout for every
 * weight, so export (tfjs -> torch) and import (torch -> tfjs) read the same entry.
 */
export interface WeightLayoutPair {
  /** tfjs's array -> PyTorch's. */
  toTorch(w: WeightArray): WeightArray;
  /** PyTorch's array -> tfjs's (the inverse of toTorch). */
  fromTorch(w: WeightArray): WeightArray;
  /** The PyTorch shape of a tfjs shape. */
  torchShape(shape: readonly number[]): number[];
}

/** A layout that is an axis permutation; its inverse is the inverse permutation. */
export function permutation(perm: readonly number[]): WeightLayoutPair {
  const back = inversePerm(perm);
  return {
    toTorch: (w) => transpose(w, perm),
    fromTorch: (w) => transpose(w, back),
    torchShape: (shape) => perm.map((p) => shape[p]!),
  };
}

/** The same array in both (biases, BatchNorm statistics, LayerNorm scales, the position embedding). */
export const SAME: WeightLayoutPair = { toTorch: (w) => w, fromTorch: (w) => w, torchShape: (shape) => [...shape] };
/** Conv kernel: tfjs HWIO <-> PyTorch OIHW. */
export const HWIO_OIHW: WeightLayoutPair = permutation([3, 2, 0, 1]);
/** Dense kernel: tfjs [in, out] <-> PyTorch Linear [out, in]. */
export const DENSE_LINEAR: WeightLayoutPair = permutation([1, 0]);
