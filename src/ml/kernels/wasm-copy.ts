/**
 * Data-movement kernels for wasm written as strided copies over the wasm heap. tfjs-backend-wasm
 * 4.22's versions are slow where training needs them: Slice first copies its WHOLE input out of
 * the heap (readSync), SplitV and Concat copy channel slices one pixel at a time, Tile takes
 * ~90 ms to broadcast a [1,1,1,16] vector to [4,128,192,16], and Transpose, SpaceToBatchND and
 * BatchToSpaceND run a generic index loop at ~15 M elements/s.
 */
import * as tf from '@tensorflow/tfjs';

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** Drops size-1 axes and merges neighbours that are contiguous in both layouts, so inner runs are long. */
function collapse(size: readonly number[], src: readonly number[], dst: readonly number[]): [number[], number[], number[]] {
  const sz: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  for (let i = 0; i < size.length; i++) {
    if (size[i] === 1) continue;
    const last = sz.length - 1;
    if (last >= 0 && ss[last] === src[i] * size[i] && ds[last] === dst[i] * size[i]) {
      sz[last] *= size[i];
      ss[last] = src[i];
      ds[last] = dst[i];
    } else {
      sz.push(size[i]);
      ss.push(src[i]);
      ds.push(dst[i]);
    }
  }
  return [sz, ss, ds];
}

/**
 * mem[dstOffset + sum(i_k * dstStrides_k)] = mem[srcOffset + sum(i_k * srcStrides_k)] for every
 * index i < size. `mem` is ONE Int32Array over the whole wasm heap (offsets in elements), so the
 * loop stays monomorphic, copies float bits untouched, and contiguous runs become memmoves.
 */
export function copyStrided(
  mem: Int32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dstOffset: number,
  dstStrides: readonly number[],
  size: readonly number[],
): void {
  if (size.some((s) => s === 0)) return;
  const [sz, ss, ds] = collapse(size, srcStrides, dstStrides);
  const rank = sz.length;
  if (rank === 0) {
    mem[dstOffset] = mem[srcOffset];
    return;
  }
  const n = sz[rank - 1];
  const si = ss[rank - 1];
  const di = ds[rank - 1];
  const outer = product(sz.slice(0, rank - 1));
  const index = new Array<number>(rank - 1).fill(0);
  let s = srcOffset;
  let d = dstOffset;
  const memmove = si === 1 && di === 1 && n >= 16;
  for (let o = 0; o < outer; o++) {
    if (memmove) {
      mem.copyWithin(d, s, s + n);
    } else {
      for (let k = 0, sp = s, dp = d; k < n; k++, sp += si, dp += di) mem[dp] = mem[sp];
    }
    for (let a = rank - 2; a >= 0; a--) {
      s += ss[a];
      d += ds[a];
      if (++index[a] < sz[a]) break;
      s -= ss[a] * sz[a];
      d -= ds[a] * sz[a];
      index[a] = 0;
    }
  }
}

/** Repeats `count` times the block [start, start + block) into [start, start + count * block), by doubling. */
function repeatBlock(data: Int32Array, start: number, block: number, count: number): void {
  const total = block * count;
  for (let filled = block; filled < total; filled *= 2) {
    data.copyWithin(start + filled, start, start + Math.min(filled, total - filled));
  }
}

/**
 * Tile in place in mem[base...] (which holds x in its first size(x) elements): axis by axis from
 * the last, each block is repeated reps times; walking the blocks backwards never overwrites
 * unread input.
 */
export function tileInPlace(mem: Int32Array, base: number, shape: readonly number[], reps: readonly number[]): void {
  let inner = 1; // elements of one block of the axes already tiled
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const block = shape[axis] * inner;
    const outer = product(shape.slice(0, axis));
    const r = reps[axis];
    if (r !== 1) {
      for (let o = outer - 1; o >= 0; o--) {
        const dest = base + o * block * r;
        mem.copyWithin(dest, base + o * block, base + (o + 1) * block);
        repeatBlock(mem, dest, block, r);
      }
    }
    inner = block * r;
  }
}

/** The [begin, begin + size) box of a tensor, as copyStrided arguments. */
export function boxOffset(shape: readonly number[], begin: readonly number[]): number {
  const strides = stridesOf(shape);
  return begin.reduce((sum, b, i) => sum + b * strides[i], 0);
}

/** Output shape of a SpaceToBatchND / input shape of a BatchToSpaceND on NHWC with a 2-D block. */
export function spaceToBatchShape(shape: readonly number[], block: readonly number[], paddings: ReadonlyArray<readonly number[]>): number[] {
  const [b, h, w, c] = shape;
  return [b * block[0] * block[1], (h + paddings[0][0] + paddings[0][1]) / block[0], (w + paddings[1][0] + paddings[1][1]) / block[1], c];
}

/**
 * For each block offset (i, j), the rows y of the batched tensor whose image row y * bh + i - pad
 * falls inside [0, size): returns [first y, count].
 */
export function blockRange(offset: number, blockSize: number, pad: number, size: number, steps: number): [number, number] {
  const first = Math.max(0, Math.ceil((pad - offset) / blockSize));
  const last = Math.min(steps - 1, Math.floor((size - 1 + pad - offset) / blockSize));
  return [first, Math.max(0, last - first + 1)];
}

/** Tensors these copies handle: 4-byte elements (bool is 1 byte and goes to wasm's own kernels). */
export function isWord(info: tf.TensorInfo): boolean {
  return info.dtype === 'float32' || info.dtype === 'int32';
}
