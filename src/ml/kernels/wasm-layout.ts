/** Slice, SplitV, Concat, Tile, Transpose, SpaceToBatchND and BatchToSpaceND for wasm as heap copies (see wasm-copy.ts). */
import * as tf from '@tensorflow/tfjs';
import { blockRange, boxOffset, copyStrided, isWord, spaceToBatchShape, stridesOf, tileInPlace } from './wasm-copy';
import { asWasm, at, runWasm, words, type KernelArgs, type WasmBackendLike } from './wasm-util';

/** The [begin, begin + size) box of x as a new tensor. */
export function sliceBox(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  copyStrided(words(backend), at(backend, x) + boxOffset(x.shape, begin), stridesOf(x.shape), at(backend, out), stridesOf(size), size);
  return out;
}

export function slice(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
  if (!isWord(x)) return runWasm('Slice', backend, { x }, args.attrs as object as Record<string, unknown>);
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  return sliceBox(backend, x, b, s);
}

export function splitV(args: KernelArgs): tf.TensorInfo[] {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
  const begin = x.shape.map(() => 0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[$axis] = s;
    const part = isWord(x) ? sliceBox(backend, x, begin, size) : runWasm('Slice', backend, { x }, { begin: [...begin], size });
    begin[$axis] += s;
    return part;
  });
}

export function concat(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, inputs[0].shape)[0];
  if (!inputs.every(isWord) || inputs.length < 2) return runWasm('Concat', backend, inputs as never, args.attrs as never);
  const outShape = tf.backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = backend.makeOutput(outShape, inputs[0].dtype);
  const mem = words(backend);
  const dstStrides = stridesOf(outShape);
  let offset = 0;
  for (const input of inputs) {
    copyStrided(mem, at(backend, input), stridesOf(input.shape), at(backend, out) + offset * dstStrides[axis], dstStrides, input.shape);
    offset += input.shape[axis];
  }
  return out;
}

export function tile(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (!isWord(x)) return runWasm('Tile', backend, { x }, { reps });
  const out = backend.makeOutput(
    x.shape.map((s, i) => s * reps[i]),
    x.dtype,
  );
  const mem = words(backend);
  const size = x.shape.reduce((a, b) => a * b, 1);
  mem.copyWithin(at(backend, out), at(backend, x), at(backend, x) + size);
  tileInPlace(mem, at(backend, out), x.shape, reps);
  return out;
}

export function transpose(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = args.attrs as unknown as { perm: number[] };
  // wasm's own transpose is fast up to rank 4 (after dropping size-1 axes) and ~50x slower above.
  if (!isWord(x) || x.shape.filter((s) => s !== 1).length <= 4) return runWasm('Transpose', backend, { x }, { perm });
  return transposeBox(backend, x, perm);
}

export function transposeBox(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const outShape = perm.map((p) => x.shape[p]);
  const out = backend.makeOutput(outShape, x.dtype);
  const xStrides = stridesOf(x.shape);
  copyStrided(
    words(backend),
    at(backend, x),
    perm.map((p) => xStrides[p]),
    at(backend, out),
    stridesOf(outShape),
    outShape,
  );
  return out;
}

type Pairs = number[][];

/** out[(i*bw + j)*B + b, y, x, c] = padded x[b, y*bh + i, x*bw + j, c] (TensorFlow's order). */
export function spaceToBatchND(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { blockShape, paddings } = args.attrs as unknown as { blockShape: number[]; paddings: Pairs };
  if (x.shape.length !== 4 || blockShape.length !== 2 || !isWord(x)) {
    return runWasm('SpaceToBatchND', backend, { x }, { blockShape, paddings });
  }
  const outShape = spaceToBatchShape(x.shape, blockShape, paddings);
  const out = backend.makeOutput(outShape, x.dtype);
  const mem = words(backend);
  const [src, dst] = [at(backend, x), at(backend, out)];
  mem.fill(0, dst, dst + outShape.reduce((a, b) => a * b, 1));
  const outStrides = stridesOf(outShape);
  eachBlock(x.shape, outShape, blockShape, paddings, (batchOffset, rows, cols, imageOffset, imageStrides) => {
    const size = [x.shape[0], rows[1], cols[1], x.shape[3]];
    const dstOffset = batchOffset * outStrides[0] + rows[0] * outStrides[1] + cols[0] * outStrides[2];
    copyStrided(mem, src + imageOffset, imageStrides, dst + dstOffset, outStrides, size);
  });
  return out;
}

/** The inverse of spaceToBatchND with `crops` in place of paddings. */
export function batchToSpaceND(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { blockShape, crops } = args.attrs as unknown as { blockShape: number[]; crops: Pairs };
  if (x.shape.length !== 4 || blockShape.length !== 2 || !isWord(x)) {
    return runWasm('BatchToSpaceND', backend, { x }, { blockShape, crops });
  }
  const [bh, bw] = blockShape;
  const imageShape = [x.shape[0] / (bh * bw), x.shape[1] * bh - crops[0][0] - crops[0][1], x.shape[2] * bw - crops[1][0] - crops[1][1], x.shape[3]];
  const out = backend.makeOutput(imageShape, x.dtype);
  const mem = words(backend);
  const [src, dst] = [at(backend, x), at(backend, out)];
  const xStrides = stridesOf(x.shape);
  eachBlock(imageShape, x.shape, blockShape, crops, (batchOffset, rows, cols, imageOffset, imageStrides) => {
    const size = [imageShape[0], rows[1], cols[1], x.shape[3]];
    const srcOffset = batchOffset * xStrides[0] + rows[0] * xStrides[1] + cols[0] * xStrides[2];
    copyStrided(mem, src + srcOffset, xStrides, dst + imageOffset, imageStrides, size);
  });
  return out;
}

/**
 * Calls `visit` once per block offset (i, j) with: the batch index where its images start in the
 * batched tensor, its [first, count] rows and columns there, and where those rows start in the
 * image tensor with the image strides that step one batched row/column (bh, bw image rows/columns).
 */
function eachBlock(
  imageShape: number[],
  batchedShape: number[],
  blockShape: number[],
  pads: Pairs,
  visit: (batchOffset: number, rows: [number, number], cols: [number, number], imageOffset: number, imageStrides: number[]) => void,
): void {
  const [bh, bw] = blockShape;
  const [, h, w] = imageShape;
  const s = stridesOf(imageShape);
  for (let i = 0; i < bh; i++) {
    for (let j = 0; j < bw; j++) {
      const rows = blockRange(i, bh, pads[0][0], h, batchedShape[1]);
      const cols = blockRange(j, bw, pads[1][0], w, batchedShape[2]);
      if (rows[1] === 0 || cols[1] === 0) continue;
      const y = rows[0] * bh + i - pads[0][0];
      const x = cols[0] * bw + j - pads[1][0];
      visit((i * bw + j) * imageShape[0], rows, cols, y * s[1] + x * s[2], [s[0], bh * s[1], bw * s[2], s[3]]);
    }
  }
}
