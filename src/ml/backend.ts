/**
 * Picks a tfjs backend and says what was picked and why. `setBackend` resolves false (and tfjs
 * quietly keeps another backend) when a backend cannot start, so the result is always checked.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendName, BackendPreference } from './backendNames';

export { BACKEND_NAMES, type BackendName, type BackendPreference } from './backendNames';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A software adapter (SwiftShader): WebGPU works but runs on the CPU. */
  isFallbackAdapter: boolean;
}

export interface BackendChoice {
  backend: BackendName;
  /** The WebGPU adapter, when one was found (even if another backend was chosen). */
  adapter: AdapterInfo | null;
  /** Why each backend before the chosen one was passed over. */
  skipped: Array<{ backend: BackendName; reason: string }>;
  /** One sentence for the page. */
  reason: string;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

/** Reads the WebGPU adapter's identity without starting the backend; null when there is none. */
export async function probeWebGpuAdapter(): Promise<AdapterInfo | null> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } | undefined)?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

/** Starts a backend; returns null on success or the reason it failed (tfjs only logs it as a warning). */
async function tryBackend(name: BackendName): Promise<string | null> {
  if (!tf.engine().registryFactory[name]) return 'not registered in this build';
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
    warn.apply(console, args);
  };
  try {
    const ok = await tf.setBackend(name);
    if (!ok || tf.getBackend() !== name) return `failed to initialise${warnings.length ? `: ${warnings.join('; ')}` : ''}`;
    await tf.ready();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    console.warn = warn;
  }
}

/**
 * `auto` order: a hardware WebGPU adapter, then WebGL, then a software WebGPU adapter (SwiftShader
 * WebGPU measured 2-5x slower than SwiftShader WebGL), then cpu. A forced backend that cannot
 * start falls back along the same order, and the skip reason says so.
 */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendChoice> {
  const adapter = await probeWebGpuAdapter();
  const skipped: BackendChoice['skipped'] = [];
  const autoOrder: BackendName[] =
    adapter && !adapter.isFallbackAdapter ? ['webgpu', 'webgl', 'cpu'] : ['webgl', 'webgpu', 'cpu'];
  const order = preference === 'auto' ? autoOrder : [preference, ...autoOrder.filter((b) => b !== preference)];

  for (const backend of order) {
    if (backend === 'webgpu' && !adapter) {
      skipped.push({ backend, reason: 'no WebGPU adapter (navigator.gpu missing or requestAdapter returned null)' });
      continue;
    }
    const failure = await tryBackend(backend);
    if (failure) {
      skipped.push({ backend, reason: failure });
      continue;
    }
    return { backend, adapter, skipped, reason: explain(preference, backend, adapter, skipped) };
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

function explain(preference: BackendPreference, backend: BackendName, adapter: AdapterInfo | null, skipped: BackendChoice['skipped']): string {
  if (preference === backend) return `${backend} (as requested)`;
  if (preference !== 'auto') return `${backend}: requested ${preference} could not start (${skipped[0]?.reason})`;
  if (backend === 'webgl' && adapter?.isFallbackAdapter) {
    return 'webgl: the WebGPU adapter is a software fallback (SwiftShader), slower than WebGL here';
  }
  if (backend === 'webgpu') return adapter?.isFallbackAdapter ? 'webgpu (software adapter; WebGL unavailable)' : 'webgpu: hardware adapter found';
  return skipped.length ? `${backend}: ${skipped.map((s) => `${s.backend} skipped (${s.reason})`).join('; ')}` : backend;
}
