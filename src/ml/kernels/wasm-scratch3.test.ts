import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import './cpu-fixes';
import { registerWasmTrainingKernels } from './wasm-training';
import { KERNEL_CASES } from './wasm-cases';
import { compareBackends } from './wasm-compare';
it('scratch', async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  for (const c of KERNEL_CASES) {
    try {
      const err = await compareBackends('wasm', 'cpu', c.inputs, c.run);
      console.log('CASE', c.name, err);
    } catch (e) { console.log('CASE', c.name, 'ERR', (e as Error).stack); }
  }
});
