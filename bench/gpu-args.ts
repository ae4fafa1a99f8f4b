/** Command line of `npm run gpu-bench` and of the bundle's `node gpu-bench.mjs`, checked before anything starts. */
import { UsageError } from '../src/cli/args';

export const GPU_BENCH_USAGE =
  'usage: npm run gpu-bench -- [--presets tiny,transunet,seed-unet] [--sizes 128x192,256x384,full] [--batch B] [--steps N]\n' +
  '                            [--warmup N] [--budget SECONDS] [--backend webgpu|cpu] [--no-torch]\n' +
  '       npm run gpu-bench -- --bundle [DIR] [--no-vulkan-loader]     (DIR defaults to gpu-bundle)\n' +
  '       node DIR/gpu-bench.mjs [the same run options]';

/** Models the bench knows: the studio's presets and the bench's narrowed seed U-Net (bench/models.ts). */
export const GPU_BENCH_MODELS = ['tiny', 'transunet', 'seed-unet', 'unet', 'seed-unet16'] as const;
export type GpuBenchModel = (typeof GPU_BENCH_MODELS)[number];

/** Carvana's 1918x1280 images, padded to the next multiple of 16 the encoder needs (its four poolings). */
export const FULL_SIZE = { height: 1280, width: 1920 } as const;

export interface Combo {
  model: GpuBenchModel;
  height: number;
  width: number;
}

export interface GpuBenchArgs {
  combos: Combo[];
  /** Images a step; a combo whose largest tensor would not fit the adapter's buffer limits gets the largest batch that does. */
  batch: number;
  steps: number;
  warmup: number;
  /** Seconds one model and size may take after its first step (shader compilation) before its timing stops. */
  budgetSeconds: number;
  /** webgpu: the measurement; cpu: the same code on tfjs's cpu backend, a check of the bundle on a machine with no GPU. */
  backend: 'webgpu' | 'cpu';
  torch: boolean;
}

const VALUE_FLAGS = ['--presets', '--sizes', '--batch', '--steps', '--warmup', '--budget', '--backend'] as const;
const SWITCHES = ['--no-torch'] as const;

function readFlags(argv: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new UsageError(GPU_BENCH_USAGE);
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (values.has(flag)) throw new UsageError(`${flag} is given twice`);
    if ((SWITCHES as readonly string[]).includes(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      values.set(flag, 'true');
    } else if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${flag} needs a value\n${GPU_BENCH_USAGE}`);
      values.set(flag, value);
    } else {
      throw new UsageError(`unknown argument "${arg}"\n${GPU_BENCH_USAGE}`);
    }
  }
  return values;
}

function count(values: Map<string, string>, flag: string, fallback: number, min: number, max: number): number {
  const raw = values.get(flag);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}; got "${raw}"`);
  return value;
}

/** "HxW" (sides multiples of 16, as the encoder's four poolings need) or "full". */
export function parseGpuSize(raw: string): { height: number; width: number } {
  if (raw === 'full') return { ...FULL_SIZE };
  const match = /^(\d+)x(\d+)$/.exec(raw);
  const [height, width] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  for (const [side, value] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!(value >= 16 && value % 16 === 0 && value <= 8192)) {
      throw new UsageError(`--sizes: "${raw}" is not HxW with ${side} a multiple of 16 from 16 to 8192 (or "full", ${FULL_SIZE.height}x${FULL_SIZE.width})`);
    }
  }
  return { height, width };
}

function items(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

export function parseGpuBenchArgs(argv: readonly string[]): GpuBenchArgs {
  const values = readFlags(argv);
  const models = items(values.get('--presets') ?? 'tiny,transunet,seed-unet');
  const unknown = models.filter((m) => !(GPU_BENCH_MODELS as readonly string[]).includes(m));
  if (models.length === 0 || unknown.length) {
    throw new UsageError(`--presets takes a comma-separated list of ${GPU_BENCH_MODELS.join(', ')}; got "${values.get('--presets')}"`);
  }
  const sizesRaw = values.get('--sizes');
  const sizes = items(sizesRaw ?? '128x192,256x384').map(parseGpuSize);
  if (sizes.length === 0) throw new UsageError(`--sizes needs at least one HxW; got "${sizesRaw}"`);
  const combos: Combo[] = (models as GpuBenchModel[]).flatMap((model) => {
    // By default the transformer preset is also timed on whole Carvana images, the size it is meant for on a GPU.
    const own = sizesRaw === undefined && model === 'transunet' ? [...sizes, { ...FULL_SIZE }] : sizes;
    return own.map((size) => ({ model, ...size }));
  });
  const backend = values.get('--backend') ?? 'webgpu';
  if (backend !== 'webgpu' && backend !== 'cpu') throw new UsageError(`--backend must be webgpu or cpu; got "${backend}"`);
  return {
    combos,
    batch: count(values, '--batch', 4, 1, 256),
    steps: count(values, '--steps', 10, 1, 10_000),
    warmup: count(values, '--warmup', 3, 1, 1000),
    budgetSeconds: count(values, '--budget', 60, 1, 24 * 3600),
    backend,
    torch: !values.has('--no-torch'),
  };
}
