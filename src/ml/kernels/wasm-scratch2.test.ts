import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-training';
import { useSwappedFilterGrad } from './wasm-conv';
function median(v: number[]) { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; }
it('filter grad', async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  const shapes: Array<[number[], number[], string]> = [
    [[16, 66, 98, 3], [3, 3, 3, 16], 'valid'], [[4, 128, 192, 16], [3, 3, 16, 16], 'same'], [[4, 128, 192, 32], [3, 3, 32, 16], 'same'],
    [[4, 64, 96, 64], [3, 3, 64, 32], 'same'], [[4, 32, 48, 128], [3, 3, 128, 64], 'same'], [[4, 16, 24, 256], [3, 3, 256, 128], 'same'],
    [[4, 8, 12, 128], [3, 3, 128, 128], 'same'], [[4, 128, 192, 16], [1, 1, 16, 1], 'valid'],
  ];
  for (const [xs, fs, pad] of shapes) {
    const x = tf.randomNormal(xs) as tf.Tensor4D;
    const w = tf.randomNormal(fs) as tf.Tensor4D;
    const y = tf.conv2d(x, w, 1, pad as 'same');
    const res: string[] = [];
    for (const [label, fn] of [
      ['fwd', () => tf.conv2d(x, w, 1, pad as 'same')],
      ['bpInput', () => tf.conv2dTranspose(y, w, xs as [number, number, number, number], 1, pad as 'same')],
      ['swapped', () => { useSwappedFilterGrad(true); return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: y }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: fs } as never) as tf.Tensor; }],
      ['taps', () => { useSwappedFilterGrad(false); return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: y }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: fs } as never) as tf.Tensor; }],
    ] as Array<[string, () => tf.Tensor]>) {
      const times: number[] = [];
      for (let i = 0; i < 8; i++) { const t = performance.now(); const r = fn(); await r.data(); times.push(performance.now() - t); r.dispose(); }
      const flops = 2 * y.size * fs[0] * fs[1] * fs[2];
      res.push(`${label} ${Math.min(...times).toFixed(1)}ms (${(flops / Math.min(...times) / 1e6).toFixed(1)} GF/s)`);
    }
    console.log('SHAPE', xs.join('x'), fs.join('x'), res.join(' | '));
    tf.dispose([x, w, y]);
  }
});
