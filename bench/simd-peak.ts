/**
 * `npm run bench:simd [-- --json FILE]`: the most one thread can multiply on this CPU, in wasm in
 * Chromium (SIMD-128 mul+add, as tfjs-backend-wasm's XNNPACK build runs, and Relaxed SIMD's madd) and
 * natively (bench/reference/gemm_peak.c: 128-bit mul+add, 128-bit FMA, 512-bit FMA as oneDNN runs).
 * The same 4x8-tile micro-kernel everywhere, its operands in L1, so the figures are arithmetic
 * ceilings, not what a convolution gets. Runs one after the other, never two at once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../src/cli/chromium';
import { writeJson } from '../src/cli/files';
import { ROOT } from '../src/cli/headlessStudio';
import { gemmFlops, gemmKernelModule } from './simdKernel';

const K = 256;
const REPS = 20_000;
const ROUNDS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** GFLOP/s of each wasm kernel per round, alternating, after warm-up calls that let V8 tier up to its optimising compiler. */
async function measureWasm(): Promise<{ chromium: string; mulAdd: number[]; relaxedMadd: number[]; sums: number[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const modules = [gemmKernelModule(false), gemmKernelModule(true)].map((bytes) => [...bytes]);
    const result = await page.evaluate(
      async ({ modules, k, reps, rounds }) => {
        const kernels = await Promise.all(
          modules.map(async (bytes) => {
            const { instance } = await WebAssembly.instantiate(new Uint8Array(bytes));
            const memory = new Float32Array((instance.exports.mem as WebAssembly.Memory).buffer);
            for (let i = 0; i < 4 * k + 8 * k; i++) memory[i] = (i % 7) * 1e-3;
            return instance.exports.gemm as (a: number, b: number, k: number, reps: number) => number;
          }),
        );
        // No named functions in here: tsx would wrap them in a helper the page does not have.
        for (let i = 0; i < 20; i++) for (const kernel of kernels) kernel(0, 16 * k, k, 200);
        const seconds: number[][] = [[], []];
        const sums = kernels.map((kernel) => kernel(0, 16 * k, k, 1));
        for (let round = 0; round < rounds; round++)
          for (const [i, kernel] of kernels.entries()) {
            const start = performance.now();
            kernel(0, 16 * k, k, reps);
            seconds[i].push((performance.now() - start) / 1000);
          }
        return { seconds, sums };
      },
      { modules, k: K, reps: REPS, rounds: ROUNDS },
    );
    const gflops = (s: number[]) => s.map((t) => +(gemmFlops(K, REPS) / t / 1e9).toFixed(2));
    return { chromium: browser.version(), mulAdd: gflops(result.seconds[0]), relaxedMadd: gflops(result.seconds[1]), sums: result.sums };
  } finally {
    await browser.close();
  }
}

/** avx512Fma is null on a CPU without AVX-512 (the program checks before it runs that kernel). */
function measureNative(): { sseMulAdd: number[]; sseFma: number[]; avx512Fma: number[] | null } | { skipped: string } {
  const binary = path.join(mkdtempSync(path.join(tmpdir(), 'simd-peak-')), 'gemm_peak');
  const source = path.join(ROOT, 'bench/reference/gemm_peak.c');
  const build = spawnSync('gcc', ['-O3', '-funroll-loops', '-march=native', source, '-o', binary], { encoding: 'utf8' });
  if (build.status !== 0) return { skipped: `gcc could not build ${source}: ${build.error?.message ?? build.stderr.trim()}` };
  const run = spawnSync(binary, { encoding: 'utf8' });
  if (run.status !== 0) return { skipped: `${binary} exited ${run.status}: ${run.stderr.trim()}` };
  return JSON.parse(run.stdout);
}

async function main() {
  const jsonIndex = process.argv.indexOf('--json');
  const loadAverageStart = loadavg();
  const wasm = await measureWasm();
  // FMA rounds once where mul+add rounds twice: the two sums agree to float rounding, not bit for bit.
  const [plain, fused] = wasm.sums;
  if (Math.abs(plain - fused) > 1e-4 * Math.abs(plain)) throw new Error(`the two wasm kernels disagree: ${plain} against ${fused}`);
  const native = measureNative();
  const machine = {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    os: `Linux ${release()}`,
    node: process.version,
    loadAverageStart,
    loadAverageEnd: loadavg(),
  };
  const report = { date: new Date().toISOString(), machine, k: K, reps: REPS, wasm, native };
  const line = (label: string, values: number[]) => console.log(`${label.padEnd(34)} ${median(values).toFixed(1).padStart(6)} GFLOP/s  (${values.join(', ')})`);
  console.log(
    `${machine.cpu}, ${machine.cores} cores, Chromium ${wasm.chromium}, load ${loadAverageStart[0].toFixed(2)} -> ${machine.loadAverageEnd[0].toFixed(2)}`,
  );
  console.log(`one thread, 4x8 tile, k = ${K}, median of ${ROUNDS} rounds:`);
  line('wasm SIMD-128 mul+add', wasm.mulAdd);
  line('wasm Relaxed SIMD madd', wasm.relaxedMadd);
  if ('skipped' in native) console.log(`native: skipped: ${native.skipped}`);
  else {
    line('native 128-bit mul+add (SSE)', native.sseMulAdd);
    line('native 128-bit FMA', native.sseFma);
    if (native.avx512Fma) line('native 512-bit FMA (AVX-512)', native.avx512Fma);
    else console.log('native 512-bit FMA (AVX-512): this CPU has no AVX-512');
  }
  if (jsonIndex > 0) writeJson(process.argv[jsonIndex + 1], report);
}

await main();
