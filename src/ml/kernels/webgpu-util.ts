/**
 * Shared plumbing for the webgpu training kernels: running tfjs-backend-webgpu's own kernels (its
 * tuned conv, matmul and reduction programs) on TensorInfos inside another kernel, and freeing what
 * they return.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type Attrs = Record<string, unknown>;

/** The parts of tfjs-backend-webgpu's WebGPUBackend these kernels touch (structural, to keep the dependency loose). */
export interface WebGpuKernelBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  device: { limits: { maxStorageBufferBindingSize: number } };
}

/** webgpu's original kernel functions, captured before any are replaced. */
const originals = new Map<string, tf.KernelFunc>();

export function captureOriginal(name: string): void {
  if (originals.has(name)) return;
  const config = tf.getKernel(name, 'webgpu');
  if (!config) {
    throw new Error(`webgpu kernel ${name} is not registered: import '@tensorflow/tfjs-backend-webgpu' before registering training kernels.`);
  }
  originals.set(name, config.kernelFunc);
}

/** webgpu's own kernel `name` (the one tfjs ships, even after ours replaced it). */
export function originalKernel(name: string): tf.KernelFunc {
  const kernel = originals.get(name) ?? tf.getKernel(name, 'webgpu')?.kernelFunc;
  if (!kernel) throw new Error(`webgpu kernel ${name} is not registered.`);
  return kernel;
}

/** Runs webgpu's own kernel `name`; the caller owns (and frees) the result. */
export function runWebGpu(name: string, backend: WebGpuKernelBackend, inputs: Record<string, tf.TensorInfo>, attrs: Attrs = {}): tf.TensorInfo {
  const result = originalKernel(name)({ inputs, attrs, backend } as unknown as KernelArgs);
  return (Array.isArray(result) ? result[0] : result) as tf.TensorInfo;
}

/** A reshape shares the data (webgpu's Reshape adds a reference), so it is freed like any result. */
export function reshapeInfo(backend: WebGpuKernelBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWebGpu('Reshape', backend, { x }, { shape });
}

export function transposeInfo(backend: WebGpuKernelBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWebGpu('Transpose', backend, { x }, { perm });
}

export function free(backend: WebGpuKernelBackend, ...infos: Array<tf.TensorInfo | null | undefined>): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

export function asWebGpu(backend: unknown): WebGpuKernelBackend {
  return backend as WebGpuKernelBackend;
}

/** The largest tensor one of these kernels materialises at once, in float32 elements: 128 MiB or the device's binding limit. */
export function maxTempElements(backend: WebGpuKernelBackend): number {
  return Math.floor(Math.min(2 ** 27, backend.device.limits.maxStorageBufferBindingSize) / 4);
}

/** NHWC explicit padding in the form the conv kernels' `pad` attribute accepts. */
export function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
