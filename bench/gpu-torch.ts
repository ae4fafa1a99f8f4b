/**
 * The same training step in PyTorch on CUDA (bench/gpu_bench_torch.py over the repository's PyTorch
 * mirror), when the machine's python3 imports torch with CUDA; same models, sizes and batches.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GpuBenchArgs } from './gpu-args';
import type { GpuFigure } from './gpu-measure';

export type TorchRun = { python: string; torch: string; device: string; cuda: string | null; results: GpuFigure[] } | { python: string; skipped: string };

/** The script sits beside this file: bench/ in the repository, DIR/ in a bundle (with studio_torch/ beside it). */
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gpu_bench_torch.py');
/** `python3` unless GPU_BENCH_PYTHON names another interpreter. */
const PYTHON = process.env.GPU_BENCH_PYTHON || 'python3';

const lastLine = (text: string | null | undefined) => (text ?? '').trim().split('\n').at(-1) ?? '';

export function runTorch(args: GpuBenchArgs, webgpu: GpuFigure[], log: (line: string) => void): TorchRun {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; assert torch.cuda.is_available(), "torch sees no CUDA device"'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status !== 0) {
    return { python: PYTHON, skipped: `${PYTHON} cannot import torch with CUDA: ${probe.error?.message ?? lastLine(probe.stderr)}` };
  }
  // The batch each combo really ran at on WebGPU (smaller where the adapter's limits asked for it).
  const combos = webgpu.filter((f) => f.batch > 0).map((f) => ({ model: f.model, height: f.size[0], width: f.size[1], batch: f.batch }));
  log(`PyTorch CUDA: ${combos.length} models and sizes...`);
  const run = spawnSync(
    PYTHON,
    [SCRIPT, '--combos', JSON.stringify(combos), '--warmup', String(args.warmup), '--steps', String(args.steps), '--budget', String(args.budgetSeconds)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
  );
  if (run.status !== 0)
    return { python: PYTHON, skipped: `${SCRIPT} failed (exit ${run.status ?? run.signal}): ${run.error?.message ?? 'see its output above'}` };
  try {
    return { python: PYTHON, ...(JSON.parse(run.stdout) as { torch: string; device: string; cuda: string | null; results: GpuFigure[] }) };
  } catch {
    return { python: PYTHON, skipped: `${SCRIPT} printed no JSON: ${lastLine(run.stdout).slice(0, 200)}` };
  }
}
