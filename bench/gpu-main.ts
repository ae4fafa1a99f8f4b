/**
 * `node DIR/gpu-bench.mjs` (the bundle's entry) and `npm run gpu-bench` without --bundle: the studio's
 * training step and inference timed on WebGPU through Dawn in Node, no browser, then the same step in
 * PyTorch CUDA where torch has it. One JSON document on stdout; progress on stderr.
 * Exit codes: 0 done, 1 failed, 2 bad arguments, 3 no WebGPU adapter.
 */
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain } from '../src/cli/main';
import { parseGpuBenchArgs } from './gpu-args';
import { describeAdapter, NoAdapter, requestDawnAdapter, type AdapterReport } from './gpu-dawn';
import { CHILD_ENV, exitNoAdapter, launch, VULKAN_ENV } from './gpu-launch';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function bench(argv: string[]): Promise<void> {
  const args = parseGpuBenchArgs(argv);
  let adapter: AdapterReport | null = null;
  let dawn: string | null = null;
  if (args.backend === 'webgpu') {
    try {
      const found = await requestDawnAdapter();
      adapter = describeAdapter(found.adapter);
      dawn = found.dawn;
    } catch (error) {
      if (error instanceof NoAdapter) exitNoAdapter(error.message);
      throw error;
    }
    log(`WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`.trim());
  }
  // The engine is loaded only now: tfjs-backend-webgpu registers itself only if navigator.gpu exists.
  const { measureAll } = await import('./gpu-measure');
  const started = Date.now();
  const run = await measureAll(args, adapter, log);
  const { runTorch } = await import('./gpu-torch');
  const torch = args.torch ? runTorch(args, run.results, log) : null;
  const report = {
    tool: 'gpu-bench',
    date: new Date().toISOString(),
    command: `node ${path.basename(process.argv[1] ?? 'gpu-bench')} ${argv.join(' ')}`.trim(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    dawn,
    vulkan: JSON.parse(process.env[VULKAN_ENV] ?? 'null') as unknown,
    adapter,
    backend: run.backend,
    backendReason: run.backendReason,
    settings: {
      batch: args.batch,
      warmup: args.warmup,
      steps: args.steps,
      budgetSeconds: args.budgetSeconds,
      optimizer: 'adam 1e-3',
      loss: 'hybrid (studio default)',
    },
    results: run.results,
    torch,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

const argv = process.argv.slice(2);
if (process.env[CHILD_ENV]) {
  runMain(() => bench(argv));
} else {
  // argv[1] is the bundle (or, in place, the tsx entry): the child runs the same file.
  const script = process.argv[1]!;
  launch(script, argv, path.dirname(fileURLToPath(import.meta.url))).then((code) => process.exit(code));
}
