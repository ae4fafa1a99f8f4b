/**
 * `npm run gpu-bench -- [run options]`: the studio's training step and inference on WebGPU in Node
 * (Dawn, no browser), here. `npm run gpu-bench -- --bundle [DIR] [--no-vulkan-loader]`: the same as a
 * folder for a GPU server, run there with `node DIR/gpu-bench.mjs [run options]`. See gpu-main.ts.
 */
import { UsageError } from '../src/cli/args';
import { runMain } from '../src/cli/main';
import { GPU_BENCH_USAGE } from './gpu-args';

const argv = process.argv.slice(2);

async function bundle(): Promise<void> {
  const { buildBundle, DEFAULT_BUNDLE_DIR } = await import('./gpu-bundle');
  const at = argv.indexOf('--bundle');
  const rest = argv.filter((_, i) => i !== at);
  const dir = rest[0] !== undefined && !rest[0].startsWith('--') ? rest.shift()! : DEFAULT_BUNDLE_DIR;
  const unknown = rest.filter((a) => a !== '--no-vulkan-loader');
  if (unknown.length) throw new UsageError(`--bundle takes a folder and --no-vulkan-loader only; got ${unknown.join(' ')}\n${GPU_BENCH_USAGE}`);
  const report = await buildBundle(dir, { vulkanLoader: !rest.includes('--no-vulkan-loader') });
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const biggest = report.files.slice(0, 4).map((f) => `${f.name} ${mib(f.bytes)}`);
  process.stdout.write(`gpu-bench bundle: ${report.dir}, ${report.files.length} files, ${mib(report.totalBytes)} in all (${biggest.join(', ')})\n`);
  process.stdout.write(
    report.vulkanLoaderMissing ? `Vulkan loader not bundled: ${report.vulkanLoaderMissing}\n` : 'Vulkan loader bundled: libvulkan.so.1 (Debian libvulkan1)\n',
  );
  process.stdout.write(`run it with: node ${report.dir}/gpu-bench.mjs\n`);
}

if (argv.includes('--bundle')) runMain(bundle);
else await import('./gpu-main');
