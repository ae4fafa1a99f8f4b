/**
 * `npm run gpu-bench` (bench/gpu-*.ts), here under scripts/ because Vitest collects src/ and scripts/.
 * The bundle is built into a temporary folder and run from another one outside the repository, so it
 * cannot reach node_modules: this machine has no Vulkan driver, so it must stop at once with exit 3 and
 * a `no WebGPU adapter` line that quotes Dawn; its engine is checked on tfjs's cpu backend instead.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_SIZE, parseGpuBenchArgs } from '../bench/gpu-args';
import { fittingBatch, largestTensorBytes } from '../bench/gpu-measure';
import { estimateParams } from '../src/ml/model/estimate';
import { presetConfig } from '../src/ml/model/presets';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** Well past the ~2 s a no-adapter run takes here with both cores busy, well short of any bench run. */
const AT_ONCE_MS = 15_000;

describe('gpu-bench arguments and limits', () => {
  it('times tiny, transunet and seed-unet at two sizes, and transunet on whole (padded) Carvana images', () => {
    const args = parseGpuBenchArgs([]);
    expect(args.combos.map((c) => `${c.model} ${c.height}x${c.width}`)).toEqual([
      'tiny 128x192',
      'tiny 256x384',
      'transunet 128x192',
      'transunet 256x384',
      'transunet 1280x1920',
      'seed-unet 128x192',
      'seed-unet 256x384',
    ]);
    expect(FULL_SIZE).toEqual({ height: 1280, width: 1920 });
    expect(parseGpuBenchArgs(['--sizes', 'full', '--presets', 'tiny']).combos).toEqual([{ model: 'tiny', height: 1280, width: 1920 }]);
  });

  it('names what is wrong with a size or a preset', () => {
    expect(() => parseGpuBenchArgs(['--sizes', '1280x1918'])).toThrow(/"1280x1918" is not HxW with width a multiple of 16/);
    expect(() => parseGpuBenchArgs(['--presets', 'tiny,big'])).toThrow(
      /--presets takes a comma-separated list of tiny, transunet, seed-unet, unet, seed-unet16; got "tiny,big"/,
    );
    expect(() => parseGpuBenchArgs(['--batch', '0'])).toThrow(/--batch must be a whole number from 1 to 256; got "0"/);
  });

  it('shrinks the batch until the largest tensor fits the adapter limit', () => {
    const full = presetConfig('transunet', { height: 1280, width: 1920 });
    // By hand: 80 x 120 = 9600 tokens, 4 heads, 4 bytes: 4 * 9600^2 * 4 = 1,474,560,000 bytes of attention scores an image,
    // more than the last decoder block's 1280 * 1920 * 32 channels * 4 bytes = 314,572,800.
    expect(largestTensorBytes(full, 1)).toBe(1_474_560_000);
    expect(largestTensorBytes(presetConfig('seed-unet', { height: 256, width: 384 }), 2)).toBe(2 * 256 * 384 * 128 * 4);
    expect(fittingBatch(full, 4, 2 ** 32 - 4)).toBe(2);
    expect(fittingBatch(full, 4, 1_474_559_999)).toBe(0);
    expect(fittingBatch(full, 1, 2 ** 32)).toBe(1);
  });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

describe('gpu-bench bundle', () => {
  let work: string;
  let bundle: string;
  let outside: string;
  let built: ReturnType<typeof spawnSync>;

  /** `node DIR/gpu-bench.mjs` from a folder outside the repository, so node_modules is out of reach. */
  const runBundle = (dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Run => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [path.join(dir, 'gpu-bench.mjs'), ...args], {
      cwd: outside,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NODE_PATH: '', ...env },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, ms: Date.now() - started };
  };
  const copyOf = (name: string) => {
    const dir = path.join(work, name);
    cpSync(bundle, dir, { recursive: true });
    return dir;
  };

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gpu-bench-test-'));
    bundle = path.join(work, 'bundle');
    outside = path.join(work, 'elsewhere');
    mkdirSync(outside);
    built = spawnSync(process.execPath, [TSX, 'bench/gpu-bench.ts', '--bundle', bundle], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds gpu-bench.mjs, dawn.node and the PyTorch mirror, under 60 MiB in all', () => {
    expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
    for (const file of ['gpu-bench.mjs', 'dawn.node', 'gpu_bench_torch.py', 'studio_torch/models.py', 'studio_torch/loss.py']) {
      expect(existsSync(path.join(bundle, file)), file).toBe(true);
    }
    const sizes = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce(
        (sum, e) => sum + (e.isDirectory() ? sizes(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size),
        0,
      );
    const total = sizes(bundle);
    expect(total).toBeLessThan(60 * 2 ** 20);
    // dawn.node alone is about 20.5 MiB: a total below it would mean a file is missing or empty.
    expect(total).toBeGreaterThan(statSync(path.join(bundle, 'dawn.node')).size);
    expect(statSync(path.join(bundle, 'dawn.node')).size).toBeGreaterThan(10 * 2 ** 20);
    expect(built.stdout).toContain(`${(total / 2 ** 20).toFixed(1)} MiB in all`);
  });

  it('with its own Vulkan loader: no adapter, exit 3 at once, quoting the loader that Dawn reached', (context) => {
    if (!existsSync(path.join(bundle, 'libvulkan.so.1'))) context.skip(`no Vulkan loader in the bundle: ${String(built.stdout).split('\n')[1]}`);
    // No driver file anywhere: this holds on a machine with a GPU too.
    const run = runBundle(bundle, [], { VK_DRIVER_FILES: path.join(work, 'no-driver.json') });
    expect(run.status, run.stderr).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    expect(run.stdout).toBe('');
    const last = run.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^no WebGPU adapter: requestAdapter\(\) returned null\. Dawn said: .*vkCreateInstance: Found no drivers!/);
    expect(last).toContain(`Tried the bundled Vulkan loader ${path.join(bundle, 'libvulkan.so.1')}`);
  });

  it('without a Vulkan loader: exit 3, and the message says which loader was tried and what Dawn said', () => {
    const dir = copyOf('no-loader');
    rmSync(path.join(dir, 'libvulkan.so.1'), { force: true });
    const run = runBundle(dir, [], { VK_DRIVER_FILES: path.join(work, 'no-driver.json') });
    expect(run.status, run.stderr).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    const last = run.stderr.trim().split('\n').at(-1)!;
    // This machine has no libvulkan.so.1; one with a system loader gets as far as finding no driver.
    expect(last).toMatch(/^no WebGPU adapter: requestAdapter\(\) returned null\. Dawn said: (Couldn't load Vulkan: libvulkan\.so\.1|.*Found no drivers)/);
    expect(last).toContain('Tried the system Vulkan loader (none bundled)');
  });

  it('when dawn.node cannot be loaded at all: exit 3, naming the file and the loader error', () => {
    const dir = copyOf('broken-dawn');
    writeFileSync(path.join(dir, 'dawn.node'), 'not a shared library');
    const run = runBundle(dir);
    expect(run.status, run.stderr).toBe(3);
    expect(run.ms).toBeLessThan(AT_ONCE_MS);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^no WebGPU adapter: dawn\\.node could not be loaded \\(${path.join(dir, 'dawn.node').replace(/[.]/g, '\\.')}\\): .*(invalid ELF header|too short)`,
      ),
    );
  });

  it("carries a working engine: the studio's step and inference run from the bundle on tfjs's cpu backend", () => {
    const run = runBundle(bundle, ['--backend', 'cpu', '--presets', 'tiny', '--sizes', '32x48', '--batch', '1', '--warmup', '1', '--steps', '1', '--no-torch']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      backend: string;
      results: Array<Record<string, unknown>>;
      torch: unknown;
      vulkan: { bundledLoader: string | null; ldLibraryPath: string };
    };
    expect(report.backend).toBe('cpu');
    const loader = path.join(bundle, 'libvulkan.so.1');
    expect(report.vulkan.bundledLoader).toBe(existsSync(loader) ? loader : null);
    // With a loader in the bundle, the launcher put the bundle's folder first on the child's library path.
    if (existsSync(loader)) expect(report.vulkan.ldLibraryPath.split(':')[0]).toBe(bundle);
    expect(report.torch).toBeNull();
    const [tiny] = report.results;
    expect(tiny).toMatchObject({ model: 'tiny', size: [32, 48], batch: 1, steps: 1 });
    // The bundle counts the built model's weights; estimateParams is arithmetic (pinned to the model by build tests).
    expect(tiny!.params).toBe(estimateParams(presetConfig('tiny', { height: 32, width: 48 })));
    expect(tiny!.stepMs).toHaveLength(2);
    expect(tiny!.msPerStep).toBeGreaterThan(0);
    expect(tiny!.inferenceMsPerImage).toBeGreaterThan(0);
    // 0.2 BCE + 0.8 (1 - soft Dice) of an untrained net on random masks: BCE near ln 2, Dice near 0.5, so about 0.55.
    expect(tiny!.lastLoss).toBeGreaterThan(0.3);
    expect(tiny!.lastLoss).toBeLessThan(1);
  }, 180_000);
});

describe('gpu_bench_torch.py (the PyTorch side), on the CPU here', () => {
  it('times the same tiny model that tfjs builds', () => {
    const python = '/usr/bin/python3';
    const combos = JSON.stringify([{ model: 'tiny', height: 32, width: 48, batch: 2 }]);
    const run = spawnSync(python, [path.join(ROOT, 'bench/gpu_bench_torch.py'), '--device', 'cpu', '--warmup', '1', '--steps', '2', '--combos', combos], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, `${python} (Debian's python3-torch, as src/torch/bridge.test.ts needs): ${run.stderr}`).toBe(0);
    const report = JSON.parse(run.stdout) as { device: string; results: Array<Record<string, unknown>> };
    expect(report.device).toBe('cpu');
    expect(report.results[0]).toMatchObject({ model: 'tiny', size: [32, 48], batch: 2, steps: 2 });
    expect(report.results[0]!.params).toBe(estimateParams(presetConfig('tiny', { height: 32, width: 48 })));
    expect(report.results[0]!.msPerStep).toBeGreaterThan(0);
  }, 180_000);
});
