/**
 * `npm run gpu-bench -- --bundle [DIR]`: the GPU bench as a folder a GPU server runs with Node alone:
 * gpu-bench.mjs (esbuild: the studio engine, tfjs core, layers and the WebGPU backend in one ES module),
 * Dawn's dawn.node for linux-x64 beside it, the PyTorch mirror for the CUDA comparison and, when
 * apt-get can fetch Debian's libvulkan1, the Vulkan loader (a server with a driver but no loader).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What fits the device tool's 64 MiB working tree with room to spare. */
export const BUNDLE_LIMIT_BYTES = 60 * 2 ** 20;
export const DEFAULT_BUNDLE_DIR = 'gpu-bundle';

export interface BundleReport {
  dir: string;
  files: Array<{ name: string; bytes: number }>;
  totalBytes: number;
  /** Why the Vulkan loader is not in the bundle; null when it is. */
  vulkanLoaderMissing: string | null;
}

/** The bundle's ES module has no `require`; tfjs's Node platform code calls it for Node's own modules. */
const REQUIRE_BANNER = "import { createRequire as __gpuBenchCreateRequire } from 'node:module';\nconst require = __gpuBenchCreateRequire(import.meta.url);";

/** Debian's libvulkan1, fetched with apt-get and unpacked with dpkg -x; the reason when it cannot be. */
function fetchVulkanLoader(dir: string): string | null {
  const work = mkdtempSync(path.join(tmpdir(), 'gpu-bench-vulkan-'));
  try {
    const download = spawnSync('apt-get', ['download', 'libvulkan1:amd64'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (download.status !== 0 || !deb) return `apt-get download libvulkan1 failed: ${(download.error?.message ?? download.stderr).trim().split('\n').at(-1)}`;
    const unpack = spawnSync('dpkg', ['-x', deb, 'x'], { cwd: work, encoding: 'utf8' });
    if (unpack.status !== 0) return `dpkg -x ${deb} failed: ${(unpack.error?.message ?? unpack.stderr).trim()}`;
    const libDir = path.join(work, 'x/usr/lib/x86_64-linux-gnu');
    // The soname is a symbolic link to the versioned file; the bundle holds the file itself under the soname.
    const real = existsSync(libDir) ? readdirSync(libDir).find((f) => /^libvulkan\.so\.1\.\d+/.test(f)) : undefined;
    if (!real) return `${deb} holds no usr/lib/x86_64-linux-gnu/libvulkan.so.1.*`;
    copyFileSync(path.join(libDir, real), path.join(dir, 'libvulkan.so.1'));
    const copyright = path.join(work, 'x/usr/share/doc/libvulkan1/copyright');
    if (existsSync(copyright)) copyFileSync(copyright, path.join(dir, 'libvulkan1.copyright'));
    return null;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function listFiles(dir: string, prefix = ''): Array<{ name: string; bytes: number }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), name) : [{ name, bytes: statSync(path.join(dir, entry.name)).size }];
  });
}

export async function buildBundle(dirArg: string, options: { vulkanLoader: boolean }): Promise<BundleReport> {
  const dir = path.resolve(dirArg);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // A rebuild replaces an earlier bundle; anything else is not ours to empty.
    if (!existsSync(path.join(dir, 'gpu-bench.mjs')))
      throw new Error(`${dir} is not empty and holds no gpu-bench.mjs: name a new or empty folder for the bundle`);
    rmSync(dir, { recursive: true });
  }
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, 'bench/gpu-main.ts')],
    outfile: path.join(dir, 'gpu-bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // tfjs's ES modules, as the page's build uses them (its CommonJS "main" builds are separate copies).
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
    legalComments: 'eof',
  });
  const webgpu = path.dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
  // The GPU servers are x86-64 Linux, whatever machine builds the bundle.
  copyFileSync(path.join(webgpu, 'dist/linux-x64/dawn.node'), path.join(dir, 'dawn.node'));
  copyFileSync(path.join(webgpu, 'LICENSE.md'), path.join(dir, 'dawn.LICENSE.md'));
  copyFileSync(path.join(ROOT, 'bench/gpu_bench_torch.py'), path.join(dir, 'gpu_bench_torch.py'));
  mkdirSync(path.join(dir, 'studio_torch'));
  for (const file of readdirSync(path.join(ROOT, 'src/torch/studio_torch')).filter((f) => f.endsWith('.py'))) {
    copyFileSync(path.join(ROOT, 'src/torch/studio_torch', file), path.join(dir, 'studio_torch', file));
  }
  const vulkanLoaderMissing = options.vulkanLoader ? fetchVulkanLoader(dir) : 'left out (--no-vulkan-loader)';
  const files = listFiles(dir).sort((a, b) => b.bytes - a.bytes);
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  if (totalBytes > BUNDLE_LIMIT_BYTES) {
    throw new Error(`the bundle in ${dir} is ${(totalBytes / 2 ** 20).toFixed(1)} MiB, over its ${BUNDLE_LIMIT_BYTES / 2 ** 20} MiB limit`);
  }
  return { dir, files, totalBytes, vulkanLoaderMissing };
}
