/** Starting the worker's tfjs engine: wasm threads, then the backend (timed on a few steps when 'auto' must choose). */
import { makeBatch } from '../data/batches';
import { ellipseDataset } from '../data/shapes';
import { selectBackend, type BackendPreference } from '../ml/backend';
import { configureWasm, wasmThreadsInUse } from '../ml/kernels/wasm-setup';
import { DEFAULT_LOSS } from '../ml/loss';
import { buildPreset } from '../ml/model';
import { timeTrainingStep } from '../ml/train/loop';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import type { Post } from './protocol';

export async function startEngine(id: number, backend: BackendPreference, wasmThreads: number | undefined, post: Post): Promise<void> {
  // One wasm thread unless asked: on 2-4 cores a second XNNPACK thread was measured faster on a
  // quiet machine (780 against 1,173 ms a transunet step) but 1.6-4x slower whenever another
  // process used a core. Only the first init configures wasm (the module starts once).
  configureWasm(wasmThreads ?? 1);
  const data = ellipseDataset(2, 32, 48, 1);
  const choice = await selectBackend(backend, {
    timeStep: () =>
      timeTrainingStep(
        () => buildPreset('tiny'),
        () => createOptimizer(DEFAULT_OPTIMIZER),
        () => makeBatch(data, [0, 1]),
        DEFAULT_LOSS,
      ),
    onTiming: (name) => post({ type: 'engine-progress', id, message: `Timing ${name} on a few training steps...` }),
  });
  const threads = wasmThreadsInUse();
  post({ type: 'ready', id, choice: threads === null ? choice : { ...choice, threads } });
}
