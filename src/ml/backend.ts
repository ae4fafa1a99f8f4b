/**
 * Picks a tfjs backend and says what was picked and why. `setBackend` resolves false (and tfjs
 * quietly keeps another backend) when a backend cannot start, so the result is always checked.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCpuKernelFixes } from './kernels/cpu-fixes';
import { registerWasmTrainingKernels } from './kernels/wasm-training';
import { registerWebGpuTrainingKernels } from './kernels/webgpu-training';

import type { BackendName, BackendPreference } from './backendNames';
import type { ThreadChoice } from './kernels/wasm-thread-choice';

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
  /** ms per timed training step of each backend that was timed (auto without a hardware GPU). */
  timings: Array<{ backend: BackendName; ms: number }>;
  /** XNNPACK threads the wasm module really runs (asked of the module itself), when wasm is in use. */
  threads?: number;
  /** How the wasm thread count was chosen (measured when the setting is auto), when wasm is in use. */
  threadChoice?: ThreadChoice;
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
    // tfjs's wasm backend cannot train convolutions on its own: add the composed gradient kernels.
    if (name === 'wasm') registerWasmTrainingKernels();
    // tfjs's webgpu filter gradient (and deep forward convs) cannot fill a GPU: split-K versions.
    if (name === 'webgpu') registerWebGpuTrainingKernels();
    // tfjs's cpu backend has a wrong non-square resize gradient and a very slow filter gradient.
    if (name === 'cpu') registerCpuKernelFixes();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    console.warn = warn;
  }
}

export interface SelectOptions {
  /**
   * Times a short training run on the current backend (ms a step). When given, `auto` without a
   * hardware GPU times every backend that starts and keeps the fastest.
   */
  timeStep?: () => Promise<number>;
  /** Called before each timing, so the page can say what is happening. */
  onTiming?: (backend: BackendName) => void;
}

/**
 * `auto`: a hardware WebGPU adapter wins outright. Without one (no adapter, or SwiftShader's
 * software fallback), each backend that starts is timed on a few training steps and the fastest
 * is kept: on a CPU-only machine the ranking depends on the cores and the model, so it is measured,
 * not assumed. Without a timer the order is WebGL, software WebGPU, cpu. A forced backend that
 * cannot start falls back along the same order, and the skip reason says so.
 */
export async function selectBackend(preference: BackendPreference = 'auto', options: SelectOptions = {}): Promise<BackendChoice> {
  const adapter = await probeWebGpuAdapter();
  const skipped: BackendChoice['skipped'] = [];
  const hardware = adapter != null && !adapter.isFallbackAdapter;
  const autoOrder: BackendName[] = hardware ? ['webgpu', 'webgl', 'wasm', 'cpu'] : ['webgl', 'webgpu', 'wasm', 'cpu'];
  const order = preference === 'auto' ? autoOrder : [preference, ...autoOrder.filter((b) => b !== preference)];
  const startable = async (backend: BackendName): Promise<boolean> => {
    if (backend === 'webgpu' && !adapter) {
      skipped.push({ backend, reason: 'no WebGPU adapter (navigator.gpu missing or requestAdapter returned null)' });
      return false;
    }
    const failure = await tryBackend(backend);
    if (failure) skipped.push({ backend, reason: failure });
    return failure == null;
  };

  if (preference === 'auto' && !hardware && options.timeStep) {
    const timings: Array<{ backend: BackendName; ms: number }> = [];
    for (const backend of autoOrder) {
      if (!(await startable(backend))) continue;
      options.onTiming?.(backend);
      try {
        timings.push({ backend, ms: await options.timeStep() });
      } catch (error) {
        skipped.push({ backend, reason: `could not train: ${(error as Error).message}` });
      }
    }
    if (timings.length > 0) {
      timings.sort((a, b) => a.ms - b.ms);
      const best = timings[0].backend;
      if (tf.getBackend() !== best) await tryBackend(best);
      const measured = timings.map((t) => `${t.backend} ${t.ms.toFixed(0)} ms`).join(', ');
      const why = adapter ? 'the WebGPU adapter is a software fallback' : 'there is no WebGPU adapter';
      return { backend: best, adapter, skipped, timings, reason: `${best}: fastest here (${why}; a tiny training step took ${measured})` };
    }
  }

  for (const backend of order) {
    if (!(await startable(backend))) continue;
    return { backend, adapter, skipped, timings: [], reason: explain(preference, backend, adapter, skipped) };
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

/** What the first, slow steps are doing: GPU backends compile shaders; the others only warm up. */
export function warmUpMessage(backend: string = tf.getBackend()): string {
  return backend === 'webgl' || backend === 'webgpu' ? 'Compiling shaders: the first steps are slow' : 'Warming up: the first steps are slower';
}
