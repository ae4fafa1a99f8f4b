/**
 * Shared plumbing for the wasm training kernels: the slice of tfjs-backend-wasm's backend object we
 * use, and a way to run wasm's own kernels on TensorInfos inside another kernel.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type Attrs = Record<string, unknown>;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels touch (structural, to keep the dependency loose). */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined; delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void } };
}

/** wasm's original kernel functions, captured before any are replaced. */
const originals = new Map<string, tf.KernelFunc>();

export function captureOriginal(name: string): void {
  if (originals.has(name)) return;
  const config = tf.getKernel(name, 'wasm');
  if (!config) {
    throw new Error(`wasm kernel ${name} is not registered: import '@tensorflow/tfjs-backend-wasm' before registering training kernels.`);
  }
  originals.set(name, config.kernelFunc);
}

/** Runs wasm's own kernel `name` (the one shipped by tfjs, even if we replaced it). The caller owns the result. */
export function runWasm(name: string, backend: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Attrs = {}): tf.TensorInfo {
  const kernel = originals.get(name) ?? tf.getKernel(name, 'wasm')?.kernelFunc;
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered.`);
  const result = kernel({ inputs, attrs, backend } as unknown as KernelArgs);
  return (Array.isArray(result) ? result[0] : result) as tf.TensorInfo;
}

export function transposeInfo(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasm('Transpose', backend, { x }, { perm });
}

/** A reshape shares the data (wasm's Reshape adds a reference), so it must be freed like any result. */
export function reshapeInfo(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWasm('Reshape', backend, { x }, { shape });
}

export function free(backend: WasmBackendLike, ...infos: Array<tf.TensorInfo | null | undefined>): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

/** The whole wasm heap as 4-byte words; take it AFTER allocating outputs (a growing heap detaches old views). */
export function words(backend: WasmBackendLike): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer);
}

/** Where a tensor starts in `words`. */
export function at(backend: WasmBackendLike, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset >> 2;
}

/** A tensor over part of another's memory; release it with releaseView, never dispose it. */
export function view(backend: WasmBackendLike, base: tf.TensorInfo, offsetElements: number, shape: number[]): tf.TensorInfo {
  const start = backend.dataIdMap.get(base.dataId)!.memoryOffset + offsetElements * 4;
  return backend.makeOutput(shape, base.dtype, start);
}

export function releaseView(backend: WasmBackendLike, info: tf.TensorInfo): void {
  // Forget the tensor (and any XNNPACK operator cached on it) without freeing the memory it borrows.
  backend.wasm.tfjs.disposeData(backend.dataIdMap.get(info.dataId)!.id);
  backend.dataIdMap.delete(info.dataId);
}

export function asWasm(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

/** Conv2D's attributes, as the conv kernels receive them. */
export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

/** NHWC explicit padding in the form Conv2D's `pad` attribute accepts. */
export function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
