/**
 * WebGPU for Node from Dawn's dawn.node (the npm package `webgpu`), loaded by path: beside the bundle
 * when it is one (DIR/dawn.node), else from the installed package. The package's own index.js is not
 * used because its path to dawn.node is relative to node_modules, which a bundle on a server does not have.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  features: Set<string>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** The limits that decide what fits: one tensor is one buffer, bound whole to a shader. */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  features: string[];
}

/** Why no adapter: the caller prints `no WebGPU adapter: <reason>` and exits 3. */
export class NoAdapter extends Error {}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Where dawn.node is: beside this file in a bundle, else in the `webgpu` package (one folder per platform). */
export function dawnNodePath(): string {
  const bundled = path.join(here, 'dawn.node');
  if (existsSync(bundled)) return bundled;
  const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  return path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', platform, 'dawn.node');
}

/**
 * Loads Dawn, installs its globals (GPUBufferUsage and the other constants tfjs-backend-webgpu reads)
 * and navigator.gpu, and asks for a high-performance adapter. Must run before tfjs-backend-webgpu is
 * imported: that module registers its backend only if navigator.gpu exists when it is evaluated.
 */
export async function requestDawnAdapter(): Promise<{ adapter: GpuAdapterLike; dawn: string }> {
  const dawn = dawnNodePath();
  let module: DawnModule;
  try {
    module = require(dawn) as DawnModule;
  } catch (error) {
    throw new NoAdapter(`dawn.node could not be loaded (${dawn}): ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  Object.assign(globalThis, module.globals);
  const gpu = module.create([]);
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    throw new NoAdapter(`requestAdapter() failed: ${(error as Error).message}`, { cause: error });
  }
  if (!adapter) throw new NoAdapter('requestAdapter() returned null');
  installNavigatorGpu(gpu);
  return { adapter, dawn };
}

/** Node 20 has no navigator; Node 21+ has one without gpu. Either way tfjs reads globalThis.navigator.gpu. */
function installNavigatorGpu(gpu: GpuLike): void {
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing) Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

export function describeAdapter(adapter: GpuAdapterLike): AdapterReport {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    features: [...adapter.features].sort(),
  };
}
