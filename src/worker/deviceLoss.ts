/**
 * A lost WebGPU device (driver reset, GPU removed, some out-of-memory cases) never comes back: the
 * run must fail with a message, keep its last checkpoint and resume on another backend. Untested
 * on a real GPU here (none on this machine); the tests drive it with a fake device.
 */
import * as tf from '@tensorflow/tfjs';

export interface LostInfo {
  reason?: string;
  message?: string;
}

/** Registers `onLost` for the device of the backend in use; returns false when there is none (cpu, wasm, webgl). */
export type DeviceWatch = (onLost: (message: string) => void) => boolean;

export function describeLoss(info: LostInfo): string {
  const reason = info.reason && info.reason !== 'unknown' ? ` (${info.reason})` : '';
  return `The WebGPU device was lost${reason}${info.message ? `: ${info.message}` : ''}`;
}

/** Watches `device.lost` of the webgpu backend (GPUDevice.lost resolves once, when it is lost). */
export const watchWebGpuDevice: DeviceWatch = (onLost) => {
  if (tf.getBackend() !== 'webgpu') return false;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<LostInfo> } }).device;
  if (!device?.lost) return false;
  void device.lost.then((info) => onLost(describeLoss(info)));
  return true;
};

/**
 * A promise that rejects when the device is lost, after telling the trainer: the run loop races its
 * steps against it, because a step on a lost device may never settle.
 */
export function deviceLoss(watch: DeviceWatch, trainer: { abort(error: Error): void }): Promise<never> {
  const lost = new Promise<never>((_, reject) =>
    watch((message) => {
      const error = new Error(message);
      trainer.abort(error);
      reject(error);
    }),
  );
  lost.catch(() => undefined); // the loop's race reports it; a loss after the run ended is nobody's error
  return lost;
}
