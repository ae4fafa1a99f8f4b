import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-training';
it('flip', async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  for (const fs of [[3, 3, 256, 128], [3, 3, 16, 32], [3, 3, 128, 128]]) {
    const w = tf.randomNormal(fs);
    const t: number[] = [];
    for (let i = 0; i < 10; i++) { const s = performance.now(); const r = tf.tidy(() => tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2])); await r.data(); t.push(performance.now() - s); r.dispose(); }
    console.log('FLIP', fs, Math.min(...t).toFixed(2));
    w.dispose();
  }
  // conv with fresh filter each time vs cached
  const x = tf.randomNormal([4, 16, 24, 128]) as tf.Tensor4D;
  for (const fs of [[3, 3, 128, 256], [3, 3, 256, 128]]) {
    const w = tf.randomNormal(fs) as tf.Tensor4D;
    const xx = tf.randomNormal([4, 16, 24, fs[2]]) as tf.Tensor4D;
    const tc: number[] = [], tf_: number[] = [];
    for (let i = 0; i < 8; i++) {
      let s = performance.now(); let r = tf.conv2d(xx, w, 1, 'same'); await r.data(); tc.push(performance.now() - s); r.dispose();
      const w2 = tf.add(w, 0) as tf.Tensor4D;
      s = performance.now(); r = tf.conv2d(xx, w2, 1, 'same'); await r.data(); tf_.push(performance.now() - s); r.dispose(); w2.dispose();
    }
    console.log('CONV', fs, 'cached', Math.min(...tc).toFixed(2), 'fresh', Math.min(...tf_).toFixed(2));
    tf.dispose([w, xx]);
  }
  x.dispose();
});
