import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as L from './wasm-layout';
import { captureOriginal, runWasm } from './wasm-util';
import { relativeError } from './wasm-compare';
function time(f: () => void, n = 5) { f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); return (performance.now() - t) / n; }
it('micro', async () => {
  await tf.setBackend('wasm');
  ['Transpose', 'Slice', 'Concat', 'Tile', 'SpaceToBatchND', 'BatchToSpaceND', 'SplitV'].forEach(captureOriginal);
  const backend = tf.backend() as never as Parameters<typeof L.sliceBox>[0];
  const cases: Array<[string, number[], (x: tf.TensorInfo) => tf.TensorInfo | tf.TensorInfo[], (x: tf.TensorInfo) => tf.TensorInfo | tf.TensorInfo[]]> = [];
  const T = (shape: number[], perm: number[]) => cases.push([`transpose ${shape} ${perm}`, shape, (x) => runWasm('Transpose', backend, { x }, { perm }), (x) => L.transposeBox(backend, x, perm)]);
  T([4, 128, 192, 16], [3, 1, 2, 0]); T([4, 128, 192, 16], [1, 2, 0, 3]); T([16, 3, 3, 16], [1, 2, 0, 3]); T([384, 512], [1, 0]); T([3, 4, 4, 96, 32], [1, 3, 0, 2, 4]); T([4, 96, 3, 4, 32], [2, 0, 3, 1, 4]);
  const args = (x: tf.TensorInfo, attrs: object) => ({ inputs: { x }, attrs, backend }) as never;
  cases.push(['tile', [1, 1, 1, 16], (x) => runWasm('Tile', backend, { x }, { reps: [4, 128, 192, 1] }), (x) => L.tile(args(x, { reps: [4, 128, 192, 1] }))]);
  cases.push(['tile2', [4, 96, 1], (x) => runWasm('Tile', backend, { x }, { reps: [1, 1, 128] }), (x) => L.tile(args(x, { reps: [1, 1, 128] }))]);
  cases.push(['tile3', [2, 3, 5], (x) => runWasm('Tile', backend, { x }, { reps: [3, 2, 2] }), (x) => L.tile(args(x, { reps: [3, 2, 2] }))]);
  const sb = { blockShape: [2, 2], paddings: [[2, 2], [2, 2]] };
  cases.push(['s2b', [4, 128, 192, 16], (x) => runWasm('SpaceToBatchND', backend, { x }, sb), (x) => L.spaceToBatchND(args(x, sb))]);
  const sb2 = { blockShape: [2, 2], paddings: [[2, 3], [1, 2]] };
  cases.push(['s2b odd', [3, 7, 9, 5], (x) => runWasm('SpaceToBatchND', backend, { x }, sb2), (x) => L.spaceToBatchND(args(x, sb2))]);
  const bs = { blockShape: [2, 2], crops: [[0, 0], [0, 0]] };
  cases.push(['b2s', [16, 64, 96, 16], (x) => runWasm('BatchToSpaceND', backend, { x }, bs), (x) => L.batchToSpaceND(args(x, bs))]);
  const bs2 = { blockShape: [2, 2], crops: [[1, 2], [0, 3]] };
  cases.push(['b2s crop', [8, 6, 7, 3], (x) => runWasm('BatchToSpaceND', backend, { x }, bs2), (x) => L.batchToSpaceND(args(x, bs2))]);
  const sp = { numOrSizeSplits: [16, 16], axis: 3 };
  cases.push(['splitV', [4, 128, 192, 32], (x) => runWasm('SplitV', backend, { x }, sp), (x) => L.splitV(args(x, sp))]);
  const sl = { begin: [0, 5, 0], size: [4, 1, 128] };
  cases.push(['slice', [4, 96, 128], (x) => runWasm('Slice', backend, { x }, sl), (x) => L.slice(args(x, sl))]);
  cases.push(['concat', [4, 128, 192, 16], (x) => runWasm('Concat', backend, [x, x] as never, { axis: 3 }), (x) => L.concat({ inputs: [x, x], attrs: { axis: 3 }, backend } as never)]);
  for (const [name, shape, orig, mine] of cases) {
    const x = tf.randomNormal(shape);
    const xi = { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    const arr = (r: tf.TensorInfo | tf.TensorInfo[]) => (Array.isArray(r) ? r : [r]);
    const a = arr(orig(xi)), b = arr(mine(xi));
    const err = Math.max(...a.map((ai, i) => relativeError(backend.typedArrayFromHeap(b[i]) as Float32Array, backend.typedArrayFromHeap(ai) as Float32Array)));
    const shapesOk = a.every((ai, i) => JSON.stringify(ai.shape) === JSON.stringify(b[i].shape));
    [...a, ...b].forEach((t) => backend.disposeData(t.dataId));
    const to = time(() => arr(orig(xi)).forEach((t) => backend.disposeData(t.dataId)));
    const tm = time(() => arr(mine(xi)).forEach((t) => backend.disposeData(t.dataId)));
    console.log(`${name}: err ${err} shapes ${shapesOk} wasm ${to.toFixed(2)}ms mine ${tm.toFixed(2)}ms`);
    x.dispose();
  }
});
