/** The PyTorch peer: bench/reference/train_torch.py (a thin entry over src/torch/studio_torch, the one PyTorch mirror) on this CPU, and ours / PyTorch per model and size. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { estimateParams } from '../src/ml/model/estimate';
import { benchModelConfig, type BenchModel } from './models';
import { ROOT } from '../src/cli/headlessStudio';
import type { BenchArgs } from '../src/cli/args';
import { engineLabel, type TrainFigure } from './measure';

export interface TorchFigure {
  preset: BenchModel;
  size: [number, number];
  batch: number;
  params: number;
  msPerStep: number;
  steps: number;
  imagesPerSecond: number;
}

export type PeerResult =
  | {
      torch: string;
      threads: number;
      /** The libblas.so.3 torch's matmuls used (netlib's reference BLAS is several times slower). */
      blas: string;
      command: string;
      results: Array<TorchFigure & { ourParams: number; paramsMatch: boolean }>;
      ratios: Array<{ preset: BenchModel; size: [number, number]; backend: string; oursMs: number; torchMs: number; ratio: number }>;
    }
  | { skipped: string };

// Debian's python3-torch lives in the system Python; a pyenv or venv python3 earlier on PATH lacks it.
const PYTHONS = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));

function findPython(): string | null {
  return PYTHONS.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

/** PyTorch on the models and sizes the bench measured ours on (--presets, --sizes), batch 4, for the same budget. */
export function runPeer(
  train: TrainFigure[],
  { presets, sizes, budgetSeconds }: Pick<BenchArgs, 'presets' | 'sizes' | 'budgetSeconds'>,
  log: (line: string) => void,
): PeerResult {
  const python = findPython();
  if (!python) return { skipped: `no python3 with torch found (tried ${PYTHONS.join(', ')}); on Debian: apt-get install -y python3-torch` };
  const script = path.join(ROOT, 'bench/reference/train_torch.py');
  const args = [script, '--presets', presets.join(','), '--sizes', sizes.join(','), '--batch', '4', '--budget', String(budgetSeconds)];
  const command = `${python} ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`;
  log(`peer: ${command}`);
  const run = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 2 ** 20 });
  if (run.status !== 0) return { skipped: `the PyTorch reference failed (exit ${run.status})` };
  const parsed = JSON.parse(run.stdout) as { torch: string; threads: number; blas: string; results: TorchFigure[] };
  if (/\/blas\/libblas/.test(parsed.blas)) {
    log(
      `peer: torch's matmuls use netlib's reference BLAS (${parsed.blas}): its transformer layers run several times slower than with an optimised BLAS; for a fair peer: apt-get install -y libopenblas0-pthread`,
    );
  }
  const results = parsed.results.map((r) => {
    const ourParams = estimateParams(benchModelConfig(r.preset, r.size[0], r.size[1]));
    return { ...r, ourParams, paramsMatch: ourParams === r.params };
  });
  const ratios = train.flatMap((ours) => {
    const peer = results.find((r) => r.preset === ours.preset && r.size[0] === ours.size[0] && r.size[1] === ours.size[1] && r.batch === ours.batch);
    if (!peer || ours.msPerStep === null) return [];
    return [
      {
        preset: ours.preset,
        size: ours.size,
        backend: engineLabel(ours.backend, ours.threads),
        oursMs: ours.msPerStep,
        torchMs: peer.msPerStep,
        ratio: ours.msPerStep / peer.msPerStep,
      },
    ];
  });
  return { torch: parsed.torch, threads: parsed.threads, blas: parsed.blas, command, results, ratios };
}
