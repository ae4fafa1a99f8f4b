/**
 * Adam as one pass over every variable on the wasm backend, instead of tfjs's ~12 small kernels per
 * variable (about 1,400 kernel calls a step for transunet's 120 variables; BENCHMARKS "What would
 * close the rest", item 3). The update reads each variable, its gradient and its moments straight
 * from the wasm heap and writes new tensors, so nothing that shares a variable's old data sees it
 * change. Other backends run tfjs's own Adam (a read-back per step would cost a GPU far more).
 *
 * The state is tfjs's AdamOptimizer's own (this class extends it): getWeights/setWeights give the
 * same names in the same order, [iter, <var>/m..., <var>/v...], so checkpoints and the PyTorch
 * optimizer state (io/optimizerState.ts) read it unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, at, type WasmBackendLike } from '../kernels/wasm-util';

/** The fields of tfjs's AdamOptimizer this update reads and writes (private in its typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/** What applyGradients receives (tfjs does not export the NamedTensor type by name). */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    if (tf.getBackend() !== 'wasm') {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    // Constants as float32, as tfjs's scalar kernels see them.
    const f = Math.fround;
    const [beta1, beta2] = [f(state.beta1), f(state.beta2)];
    const [keep1, keep2] = [f(1 - state.beta1), f(1 - state.beta2)];
    const [acc1, acc2] = [state.accBeta1.dataSync()[0]!, state.accBeta2.dataSync()[0]!];
    const constants = { beta1, beta2, keep1, keep2, correct1: f(1 - acc1), correct2: f(1 - acc2), epsilon: f(state.epsilon), rate: f(-state.learningRate) };
    const backend = asWasm(tf.backend());
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`Adam: no variable named "${name}" is registered (was the model disposed?)`);
      const m = (state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
      const v = (state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      if (gradient.dtype !== 'float32' || gradient.size !== value.size) {
        throw new Error(`Adam: the gradient of "${name}" is ${gradient.dtype} [${gradient.shape}], the variable float32 [${value.shape}]`);
      }
      updateOne(backend, value, gradient, m.variable, v.variable, constants);
    });
    tf.tidy(() => {
      state.accBeta1.assign(tf.scalar(f(acc1 * beta1)));
      state.accBeta2.assign(tf.scalar(f(acc2 * beta2)));
    });
    this.incrementIterations();
  }
}

interface Constants {
  beta1: number;
  beta2: number;
  keep1: number;
  keep2: number;
  correct1: number;
  correct2: number;
  epsilon: number;
  rate: number;
}

/** tfjs's Adam step for one variable, element by element, into fresh tensors that then replace value, m and v. */
function updateOne(backend: WasmBackendLike, value: tf.Variable, gradient: tf.Tensor, m: tf.Variable, v: tf.Variable, c: Constants): void {
  const n = value.size;
  // Allocate first: a growing heap detaches earlier views of it.
  const outs = [value, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  // One typed array per tensor: the loop indexes from 0, which the JIT compiles without offsets.
  const [x, g, m0, v0, xOut, mOut, vOut] = [value, gradient, m, v, ...outs].map((t) => heap.subarray(at(backend, t), at(backend, t) + n)) as Float32Array[];
  const { beta1, beta2, keep1, keep2, correct1, correct2, epsilon, rate } = c;
  for (let k = 0; k < n; k++) {
    const gk = g![k]!;
    const m1 = beta1 * m0![k]! + keep1 * gk;
    const v1 = beta2 * v0![k]! + keep2 * (gk * gk);
    mOut![k] = m1;
    vOut![k] = v1;
    xOut![k] = x![k]! + (m1 / correct1 / (Math.sqrt(v1 / correct2) + epsilon)) * rate;
  }
  const [newValue, newM, newV] = outs.map((info) => tf.engine().makeTensorFromTensorInfo(info));
  value.assign(newValue!);
  m.assign(newM!);
  v.assign(newV!);
  tf.dispose([newValue!, newM!, newV!]);
}
