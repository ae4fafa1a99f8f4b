import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { prepareSteps, readWeights } from './wasm-bench';
import { KERNEL_CASES } from './wasm-cases';
import { compareBackends } from './wasm-compare';
import { registerWasmTrainingKernels } from './wasm-training';

// Node runs tfjs-backend-wasm's SIMD binary directly from node_modules: no setWasmPaths needed.
const TOLERANCE = 1e-4;

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  registerWasmTrainingKernels();
});

describe('registerWasmTrainingKernels', () => {
  it('registers the missing gradient kernels, and a second call changes nothing', () => {
    const filterGrad = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(filterGrad).toBeDefined();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(filterGrad);
  });

  it('leaves the other backends alone', () => {
    expect(tf.getKernel('WasmFusedBatchNormGrad', 'cpu')).toBeUndefined();
  });
});

describe('wasm kernels equal the cpu backend', () => {
  it.each(KERNEL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const error = await compareBackends('wasm', 'cpu', c.inputs, c.run);
    expect(error).toBeLessThan(TOLERANCE);
  });

  it("the maxPool gradient sends each window's gradient to its first maximum, as cpu does", async () => {
    // All-zero windows (ReLU outputs) are where tfjs-wasm's own kernel went wrong.
    const run = () =>
      tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.range(1, 5).reshape([1, 2, 2, 1]))))([
        tf.tensor4d([0, 0, 1, 1, 0, 0, 1, 1, -1, -2, 2, 3, -3, -1, 3, 2], [1, 4, 4, 1]),
      ])[0];
    await tf.setBackend('wasm');
    const dx = tf.tidy(run);
    const values = Array.from(await dx.data());
    dx.dispose();
    expect(values).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0, 0, 0]);
  });
});

describe('training on wasm', () => {
  const options = { preset: 'tiny', height: 32, width: 48, batch: 2 };

  it('the tiny preset takes the same steps as on cpu (losses within 1e-3)', async () => {
    await tf.setBackend('cpu');
    const cpu = prepareSteps(options);
    const weights = await readWeights(cpu.model);
    const cpuLosses: number[] = [];
    for (let i = 0; i < 5; i++) cpuLosses.push(await cpu.step());
    cpu.dispose();

    await tf.setBackend('wasm');
    const wasm = prepareSteps({ ...options, weights });
    const wasmLosses: number[] = [];
    for (let i = 0; i < 5; i++) wasmLosses.push(await wasm.step());
    wasm.dispose();

    expect(cpuLosses[4]).toBeLessThan(cpuLosses[0]); // it learns, so the comparison means something
    for (let i = 0; i < 5; i++) expect(Math.abs(wasmLosses[i] - cpuLosses[i])).toBeLessThan(1e-3);
  });

  it('leaks no tensor and no wasm buffer over 200 steps', async () => {
    await tf.setBackend('wasm');
    const run = prepareSteps(options);
    await run.step();
    const backend = tf.backend() as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
    const [tensors, buffers, heap] = [tf.memory().numTensors, backend.numDataIds(), backend.wasm.HEAPU8.length];
    for (let i = 0; i < 199; i++) expect(Number.isFinite(await run.step())).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers); // no temporary or view left behind in the backend
    // XNNPACK operators cached on freed tensors would hold packed weights: the heap would keep growing.
    expect(backend.wasm.HEAPU8.length).toBeLessThanOrEqual(heap * 1.5);
    run.dispose();
  });
});
