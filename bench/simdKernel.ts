/**
 * A register-blocked matmul micro-kernel written straight into wasm bytes, to measure how fast wasm
 * SIMD can multiply on this CPU at best (bench/simd-peak.ts). It is the shape XNNPACK's wasm SIMD
 * GEMMs use: a 4x8 tile of C in 8 vector accumulators, per k one splat of each of 4 A values and two
 * 4-wide loads of B. `relaxed` uses Relaxed SIMD's f32x4.relaxed_madd (an FMA where the CPU has one)
 * instead of f32x4.mul then f32x4.add, which is all tfjs-backend-wasm's SIMD-128 build can use.
 *
 * Exported `gemm(a, b, k, reps)`: C = A (4 x k, k-major: a[4 * kk + row]) times B (k x 8, row-major),
 * the k loop repeated `reps` times into the same accumulators; returns the sum of C's 32 entries.
 * A and B are read from linear memory at byte offsets a and b, exported as `mem` (4 pages, 256 KiB).
 */

const SIMD = 0xfd;
const op = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  f32Add: 0x92,
} as const;
/** SIMD opcodes (after the 0xfd prefix), LEB128-encoded as the binary format wants. */
const simd = {
  v128Load: [0x00],
  v128Load32Splat: [0x09],
  f32x4ExtractLane: [0x1f],
  f32x4Add: [0xe4, 0x01],
  f32x4Mul: [0xe6, 0x01],
  f32x4RelaxedMadd: [0x85, 0x02],
} as const;
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vector = (bytes: number[]) => [...uleb(bytes.length), ...bytes];
const section = (id: number, bytes: number[]) => [id, ...vector(bytes)];
const name = (text: string) => vector([...new TextEncoder().encode(text)]);

// Locals: params 0-3 (a, b, k, reps), then i32 pa, pb, i, r; v128 b0, b1, x; 8 accumulators.
const [A, B, K, REPS, PA, PB, I, R, B0, B1, X] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const ACC = (row: number, half: number) => 11 + row * 2 + half;

function gemmBody(relaxed: boolean): number[] {
  const get = (l: number) => [op.localGet, l];
  const set = (l: number) => [op.localSet, l];
  // Alignment is log2 of the bytes: 16 for a vector, 4 for a splatted float.
  const load = (code: readonly number[], offset: number, base: number) => [...get(base), SIMD, ...code, code === simd.v128Load ? 4 : 2, ...uleb(offset)];
  const tile: number[] = [];
  tile.push(...load(simd.v128Load, 0, PB), ...set(B0), ...load(simd.v128Load, 16, PB), ...set(B1));
  for (let row = 0; row < 4; row++) {
    tile.push(...load(simd.v128Load32Splat, row * 4, PA), ...set(X));
    for (const [half, bv] of [
      [0, B0],
      [1, B1],
    ]) {
      const acc = ACC(row, half);
      if (relaxed) tile.push(...get(X), ...get(bv), ...get(acc), SIMD, ...simd.f32x4RelaxedMadd, ...set(acc));
      else tile.push(...get(acc), ...get(X), ...get(bv), SIMD, ...simd.f32x4Mul, SIMD, ...simd.f32x4Add, ...set(acc));
    }
  }
  const step = (l: number, bytes: number) => [...get(l), op.i32Const, ...sleb(bytes), op.i32Add, ...set(l)];
  const countDown = (l: number) => [...get(l), op.i32Const, 1, op.i32Sub, op.localTee, l];
  const inner = [op.loop, 0x40, ...tile, ...step(PA, 16), ...step(PB, 32), ...countDown(I), op.brIf, 0, op.end];
  const outer = [op.loop, 0x40, ...get(A), ...set(PA), ...get(B), ...set(PB), ...get(K), ...set(I), ...inner, ...countDown(R), op.brIf, 0, op.end];
  // The sum of C: lane sums of the 8 accumulators, added as f32.
  const sum: number[] = [op.f32Const, 0, 0, 0, 0];
  for (let row = 0; row < 4; row++)
    for (let half = 0; half < 2; half++) for (let lane = 0; lane < 4; lane++) sum.push(...get(ACC(row, half)), SIMD, ...simd.f32x4ExtractLane, lane, op.f32Add);
  const locals = [3, 4, I32, 3, V128, 8, V128];
  const body = [...locals, ...get(REPS), ...set(R), ...outer, ...sum, op.end];
  return vector(body);
}

/** The module's bytes: one exported function `gemm` and the memory `mem`. */
export function gemmKernelModule(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vector([I32, I32, I32, I32]), ...vector([F32])];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, ...type]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 4]),
    ...section(7, [2, ...name('gemm'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...gemmBody(relaxed)]),
  ];
  return new Uint8Array(bytes);
}

/** Multiply-adds one `gemm(a, b, k, reps)` call does (two flops each). */
export const gemmFlops = (k: number, reps: number) => 2 * 4 * 8 * k * reps;
