/**
 * The run is two processes: this launcher and the bench itself as its child. Dawn says why it found no
 * adapter only on stderr, from native code; the launcher reads the child's stderr, so the final
 * `no WebGPU adapter` line can quote it. The child's environment is set here because the dynamic
 * loader reads LD_LIBRARY_PATH once, at process start: the NVIDIA driver's folder goes on it, and
 * VK_DRIVER_FILES points the Vulkan loader at NVIDIA's driver file, which lies outside its search path.
 * Dawn loads a libvulkan.so.1 lying beside dawn.node by itself (seen with LD_LIBRARY_PATH unset); the
 * bundle's folder also goes first on LD_LIBRARY_PATH, for a Dawn build that does not look there.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Set in the child's environment: run the bench, not the launcher. */
export const CHILD_ENV = 'GPU_BENCH_CHILD';
/** The launcher's account of the Vulkan set-up, as JSON, for the child's report. */
export const VULKAN_ENV = 'GPU_BENCH_VULKAN';
/** Starts the child's one-line reason for having no adapter (a line no one else prints). */
const NO_ADAPTER_MARK = 'gpu-bench-no-adapter\t';
/** What `node gpu-bench.mjs` exits with when there is no WebGPU adapter. */
export const NO_ADAPTER_EXIT = 3;

/** Where NVIDIA's container runtime mounts the driver (the device README's GPU servers). */
const NVIDIA_ROOT = '/usr/local/nvidia';

export interface VulkanSetup {
  /** The bundle's own libvulkan.so.1, or null when the system's is used. */
  bundledLoader: string | null;
  /** VK_DRIVER_FILES as the child gets it (set here only when the machine's NVIDIA driver file was found). */
  driverFiles: string | null;
  ldLibraryPath: string;
}

/** The child's environment: the bundled loader first on the library path, NVIDIA's driver files when present. */
export function childEnvironment(bundleDir: string, env: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; vulkan: VulkanSetup } {
  const libraryPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const loader = path.join(bundleDir, 'libvulkan.so.1');
  const bundledLoader = existsSync(loader) ? loader : null;
  if (bundledLoader && !libraryPath.includes(bundleDir)) libraryPath.unshift(bundleDir);
  for (const lib of ['lib64', 'lib'].map((d) => path.join(NVIDIA_ROOT, d))) {
    if (existsSync(lib) && !libraryPath.includes(lib)) libraryPath.push(lib);
  }
  let driverFiles = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? null;
  const icdDir = path.join(NVIDIA_ROOT, 'share/vulkan/icd.d');
  if (!driverFiles && existsSync(icdDir)) {
    const files = readdirSync(icdDir).filter((f) => f.endsWith('.json'));
    if (files.length) driverFiles = files.map((f) => path.join(icdDir, f)).join(':');
  }
  const ldLibraryPath = libraryPath.join(':');
  const vulkan: VulkanSetup = { bundledLoader, driverFiles, ldLibraryPath };
  return {
    env: {
      ...env,
      LD_LIBRARY_PATH: ldLibraryPath,
      ...(driverFiles && { VK_DRIVER_FILES: driverFiles }),
      [CHILD_ENV]: '1',
      [VULKAN_ENV]: JSON.stringify(vulkan),
    },
    vulkan,
  };
}

/** In the child: hands the reason to the launcher and exits at once. */
export function exitNoAdapter(reason: string): never {
  process.stderr.write(`${NO_ADAPTER_MARK}${reason.replace(/\n/g, ' ')}\n`);
  process.exit(NO_ADAPTER_EXIT);
}

/** Dawn's own diagnostics ("Warning: Couldn't load Vulkan: ...") without the source locations under them. */
const isDawnLine = (line: string) => /^(Warning|Error): /.test(line);

/**
 * Runs `script` (this very bundle or entry) as the child with the same Node flags (tsx's loader when
 * run in place) and arguments; forwards its output; resolves with the exit code to use.
 */
export function launch(script: string, argv: readonly string[], bundleDir: string): Promise<number> {
  const { env, vulkan } = childEnvironment(bundleDir);
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], { env, stdio: ['inherit', 'inherit', 'pipe'] });
  const dawnSaid: string[] = [];
  let reason: string | null = null;
  let pending = '';
  const take = (line: string) => {
    if (line.startsWith(NO_ADAPTER_MARK)) {
      reason = line.slice(NO_ADAPTER_MARK.length);
      return;
    }
    if (isDawnLine(line) && dawnSaid.length < 8) dawnSaid.push(line.replace(/^(Warning|Error): /, ''));
    process.stderr.write(`${line}\n`);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    lines.forEach(take);
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`gpu-bench: could not start ${process.execPath}: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      if (pending) take(pending);
      if (reason !== null) {
        const dawn = dawnSaid.length ? `Dawn said: ${dawnSaid.join(' | ')}` : 'Dawn printed nothing';
        const loader = vulkan.bundledLoader ? `the bundled Vulkan loader ${vulkan.bundledLoader}` : 'the system Vulkan loader (none bundled)';
        const drivers = vulkan.driverFiles ? `VK_DRIVER_FILES=${vulkan.driverFiles}` : 'no VK_DRIVER_FILES';
        process.stderr.write(`no WebGPU adapter: ${reason}. ${dawn}. Tried ${loader}, ${drivers}.\n`);
        resolve(NO_ADAPTER_EXIT);
        return;
      }
      if (signal) process.stderr.write(`gpu-bench: the bench was stopped by ${signal}\n`);
      resolve(code ?? 1);
    });
  });
}
