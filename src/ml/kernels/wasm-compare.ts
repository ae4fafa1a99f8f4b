/**
 * Runs one computation on two backends from the same input values and compares the results:
 * the check behind the wasm kernel tests in Node and in Chromium (e2e/harness/wasm-check.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** max |a - b| / max |b|: 0 when equal; the error relative to the reference's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN propagates as a failure
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic values in [-1, 1) (a small LCG), so both backends see identical inputs. */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export interface InputSpec {
  shape: number[];
  seed: number;
  /** Scale the values (default 1). */
  scale?: number;
  /** Round to multiples of 0.25 so maxima tie, as ReLU outputs do. */
  coarse?: boolean;
}

function makeInput(spec: InputSpec): tf.Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = seededValues(size, spec.seed).map((v) => {
    const scaled = v * (spec.scale ?? 1);
    return spec.coarse ? Math.max(0, Math.round(scaled * 4) / 4) : scaled;
  });
  return tf.tensor(values, spec.shape, 'float32');
}

/** Runs `fn` on `backend` with fresh inputs, reads every output, and frees everything. */
export async function runOn(backend: string, specs: InputSpec[], fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`backend ${backend} did not start`);
  const inputs = specs.map(makeInput);
  // tidy frees whatever fn makes on the way (a case that leaks would otherwise grow memory per run).
  const result = tf.tidy(() => fn(...inputs));
  const outputs = Array.isArray(result) ? result : [result];
  try {
    const values: Float32Array[] = [];
    for (const t of outputs) values.push((await t.data()) as Float32Array);
    return values;
  } finally {
    tf.dispose([...inputs, ...outputs]);
  }
}

/** The largest relative error over all outputs of `fn` on `backend` against `reference`. */
export async function compareBackends(
  backend: string,
  reference: string,
  specs: InputSpec[],
  fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<number> {
  const ours = await runOn(backend, specs, fn);
  const theirs = await runOn(reference, specs, fn);
  return Math.max(...ours.map((values, i) => relativeError(values, theirs[i])));
}
