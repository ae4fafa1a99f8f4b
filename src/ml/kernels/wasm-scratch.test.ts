import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import './cpu-fixes';
import { registerWasmTrainingKernels } from './wasm-training';
import { prepareSteps } from './wasm-bench';
it('scratch', async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  const [preset, h, w, b] = (process.env.SIZE ?? 'transunet,128,192,4').split(',');
  const run = prepareSteps({ preset, height: +h, width: +w, batch: +b });
  await run.step();
  const info = await tf.profile(async () => { await run.step(); });
  const groups = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`;
    const g = groups.get(key) ?? { ms: 0, n: 0 };
    g.ms += k.kernelTimeMs as number; g.n++;
    groups.set(key, g);
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, +(process.env.TOP ?? 60));
  console.log(rows.map(([k, g]) => `${g.ms.toFixed(1)}ms x${g.n} ${k}`).join('\n'));
  run.dispose();
});
