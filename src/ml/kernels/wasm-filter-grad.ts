/**
 * Conv2DBackpropFilter (stride 1) as FH*FW XNNPACK matmuls that share one packed right operand.
 *
 * With x zero-padded to [B, Hp, Wp, Cin] and flattened to Q = B*Hp*Wp pixels, and dy embedded in the
 * same grid (zero outside its OH x OW corner), the tap (fh, fw) is a shift by o = fh*Wp + fw pixels:
 *   dW[fh, fw] = xT[:, o : o + Q] @ dyGrid        ([Cin, Q] @ [Q, Cout])
 * xT (x transposed to [Cin, Q]) shifted by o is just xT's memory read from element o, rows still Q
 * apart: the elements that spill from row ci into row ci+1 meet only the zero tail of dyGrid (the
 * last o pixels are padding rows/columns), and a zero tail after xT covers the last row. So each
 * tap is a view, not a copy, and XNNPACK packs dyGrid once for all taps (its operator is cached on
 * dyGrid's id). Against one swapped-axes conv this keeps the reduction (Q) as the GEMM's long axis
 * instead of looping over only N channels.
 */
import * as tf from '@tensorflow/tfjs';
import { at, free, releaseView, runWasm, view, words, type WasmBackendLike } from './wasm-util';

export interface FilterGradGeometry {
  filterHeight: number;
  filterWidth: number;
  top: number;
  left: number;
  /** Padded input size: OH + FH - 1, OW + FW - 1 at stride 1. */
  paddedHeight: number;
  paddedWidth: number;
}

export function filterGradByTaps(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, g: FilterGradGeometry): tf.TensorInfo {
  const [batch, height, width, inC] = x.shape;
  const [, outH, outW, outC] = dy.shape;
  const { filterHeight: fh, filterWidth: fw, paddedHeight: hp, paddedWidth: wp } = g;
  const q = batch * hp * wp;
  const tail = (fh - 1) * wp + fw - 1;

  // dy on the padded grid: pad only bottom/right, where no output pixel lies.
  const grid = runWasm(
    'PadV2',
    backend,
    { x: dy },
    {
      paddings: [
        [0, 0],
        [0, hp - outH],
        [0, wp - outW],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const dyGrid = runWasm('Reshape', backend, { x: grid }, { shape: [1, q, outC] });
  free(backend, grid);

  // xT[ci, b, y + top, x + left] = x[b, y, x, ci], zeros elsewhere, then the zero tail. wasm's
  // pad and 2-D transpose (C++) and one memmove beat a strided JS copy.
  const padded = runWasm(
    'PadV2',
    backend,
    { x },
    {
      paddings: [
        [0, 0],
        [g.top, hp - height - g.top],
        [g.left, wp - width - g.left],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const rows = runWasm('Reshape', backend, { x: padded }, { shape: [q, inC] });
  const transposed = runWasm('Transpose', backend, { x: rows }, { perm: [1, 0] });
  free(backend, padded, rows);
  const xT = backend.makeOutput([inC * q + tail], x.dtype);
  const dw = backend.makeOutput([fh, fw, inC, outC], 'float32');
  const mem = words(backend);
  const base = at(backend, xT);
  mem.copyWithin(base, at(backend, transposed), at(backend, transposed) + inC * q);
  mem.fill(0, base + inC * q, base + inC * q + tail);
  free(backend, transposed);

  for (let ty = 0; ty < fh; ty++) {
    for (let tx = 0; tx < fw; tx++) {
      const tap = view(backend, xT, ty * wp + tx, [1, inC, q]);
      const part = runWasm('BatchMatMul', backend, { a: tap, b: dyGrid }, { transposeA: false, transposeB: false });
      releaseView(backend, tap);
      const src = at(backend, part);
      const block = inC * outC;
      words(backend).copyWithin(at(backend, dw) + (ty * fw + tx) * block, src, src + block);
      free(backend, part);
    }
  }
  free(backend, xT, dyGrid);
  return dw;
}
