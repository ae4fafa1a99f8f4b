import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gemmFlops, gemmKernelModule } from '../bench/simdKernel';

const K = 5;
const B_OFFSET = 1024; // bytes
const REPS = 3;

/** Distinct, non-repeating values so a wrong operand, tile position or loop count changes the sum. */
const aValue = (i: number) => ((i * 37) % 11) / 8 - 0.6;
const bValue = (i: number) => ((i * 13) % 17) / 16 - 0.45;

/** The same product written out in float64: A is k-major 4 x K, B row-major K x 8. */
function expectedSum(): number {
  let sum = 0;
  for (let k = 0; k < K; k++) for (let row = 0; row < 4; row++) for (let col = 0; col < 8; col++) sum += aValue(4 * k + row) * bValue(8 * k + col);
  return REPS * sum;
}

// Runs in a plain Node process so the relaxed module can get the flag Node 20 still needs for Relaxed SIMD.
const RUN = `
const bytes = new Uint8Array(JSON.parse(process.argv[1]));
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
const memory = new Float32Array(exports.mem.buffer);
const aValue = ${aValue.toString()}, bValue = ${bValue.toString()};
for (let i = 0; i < 4 * ${K}; i++) memory[i] = aValue(i);
for (let i = 0; i < 8 * ${K}; i++) memory[${B_OFFSET / 4} + i] = bValue(i);
console.log(exports.gemm(0, ${B_OFFSET}, ${K}, ${REPS}));
`;

function runKernel(relaxed: boolean): number {
  const bytes = gemmKernelModule(relaxed);
  const flags = WebAssembly.validate(bytes) ? [] : ['--experimental-wasm-relaxed-simd'];
  const run = spawnSync(process.execPath, [...flags, '-e', RUN, JSON.stringify([...bytes])], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return Number(run.stdout);
}

describe('the SIMD peak micro-kernel (bench/simdKernel.ts)', () => {
  // Float32 accumulation in 8 lanes against a float64 sum of 480 products of size <1: 1e-5 absolute is ample.
  it('multiplies a 4 x k tile by a k x 8 tile with SIMD-128 mul+add', () => {
    expect(runKernel(false)).toBeCloseTo(expectedSum(), 5);
  });

  it('gives the same product with Relaxed SIMD madd', () => {
    expect(runKernel(true)).toBeCloseTo(expectedSum(), 5);
  });

  it('counts two flops per multiply-add of the 4 x 8 tile', () => {
    expect(gemmFlops(K, REPS)).toBe(2 * 32 * K * REPS);
  });
});
