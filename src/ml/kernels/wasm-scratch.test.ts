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
  const times: number[] = [];
  for (let i = 0; i < 4; i++) { const t = performance.now(); await run.step(); times.push(performance.now() - t); }
  console.log('STEP ms', times.map((t) => t.toFixed(0)).join(' '));
  const info = await tf.profile(async () => { await run.step(); });
  const groups = new Map<string, { ms: number; n: number }>();
  const byName = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`;
    for (const [m, kk] of [[groups, key], [byName, k.name]] as const) {
      const g = m.get(kk) ?? { ms: 0, n: 0 };
      g.ms += k.kernelTimeMs as number; g.n++;
      m.set(kk, g);
    }
  }
  const total = [...byName.entries()].filter(([n]) => !n.includes('__op')).reduce((s, [, g]) => s + g.ms, 0);
  console.log('TOTAL kernel ms', total.toFixed(0));
  console.log([...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30).map(([k, g]) => `NAME ${g.ms.toFixed(1)}ms x${g.n} ${k}`).join('\n'));
  const rows = [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, +(process.env.TOP ?? 40));
  console.log(rows.map(([k, g]) => `${g.ms.toFixed(1)}ms x${g.n} ${k}`).join('\n'));
  run.dispose();
});
