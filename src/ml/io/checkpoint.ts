/**
 * In-memory checkpoints of a model and its optimizer state as plain data (JSON + ArrayBuffers):
 * structured-cloneable, so they can be posted to the page and stored in IndexedDB as they are.
 */
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, getLearningRate, type OptimizerConfig } from '../train/optimizer';

export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface Checkpoint {
  /** model.toJSON() topology object (so a checkpoint can rebuild its model). */
  modelTopology: object;
  /** Model weights in `model.weights` order, BatchNorm moving statistics included. */
  weightSpecs: TensorSpec[];
  weights: ArrayBuffer;
  /** `optimizer.getWeights()`: the iteration count, then the slot variables in tfjs's order. */
  optimizer: { config: OptimizerConfig; specs: TensorSpec[]; data: ArrayBuffer } | null;
  epoch: number;
  step: number;
  savedAt: string;
}

/** Both dtypes take 4 bytes an element, so offsets stay aligned for typed-array views. */
const BYTES_PER_ELEMENT = 4;

/** Slot variables tfjs keeps per trained variable (Adam: m and v; RMSprop, not centred: ms and mom; momentum: one). */
const SLOTS_PER_VARIABLE: Record<OptimizerConfig['name'], number> = { adam: 2, rmsprop: 2, sgd: 1 };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function specBytes(specs: readonly TensorSpec[]): number {
  return specs.reduce((sum, spec) => sum + elementCount(spec.shape) * BYTES_PER_ELEMENT, 0);
}

const formatShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** Reads tensors end to end into one buffer. */
async function packTensors(named: ReadonlyArray<{ name: string; tensor: tf.Tensor }>): Promise<{ specs: TensorSpec[]; data: ArrayBuffer }> {
  const specs = named.map(({ name, tensor }): TensorSpec => {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(`Cannot checkpoint ${name}: dtype ${tensor.dtype} (only float32 and int32 are stored).`);
    }
    return { name, shape: [...tensor.shape], dtype: tensor.dtype };
  });
  // Clones share the data but pin it: a training step that runs while we await the reads
  // replaces the variables' data without touching what this checkpoint is reading.
  const pinned = named.map(({ tensor }) => tf.clone(tensor));
  try {
    const data = new ArrayBuffer(specBytes(specs));
    let offset = 0;
    for (const tensor of pinned) {
      const values = (await tensor.data()) as Float32Array | Int32Array;
      new Uint8Array(data, offset, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      offset += values.byteLength;
    }
    return { specs, data };
  } finally {
    tf.dispose(pinned);
  }
}

/** New tensors the caller owns, in spec order. */
function unpackTensors(specs: readonly TensorSpec[], data: ArrayBuffer, what: string): tf.Tensor[] {
  const needed = specBytes(specs);
  if (data.byteLength !== needed) {
    throw new Error(`The ${what} hold ${data.byteLength} bytes but their specs need ${needed}: the checkpoint is damaged.`);
  }
  const tensors: tf.Tensor[] = [];
  let offset = 0;
  for (const spec of specs) {
    const bytes = elementCount(spec.shape) * BYTES_PER_ELEMENT;
    // A copy, not a view: the cpu backend keeps the array it is given, and the checkpoint's buffer
    // may later be transferred (detached) to another thread.
    const slice = data.slice(offset, offset + bytes);
    const values = spec.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    tensors.push(tf.tensor(values, spec.shape, spec.dtype));
    offset += bytes;
  }
  return tensors;
}

/**
 * Snapshots weights and optimizer state. The optimizer's config records the learning rate in
 * use now, which a schedule or the user may have changed since the run started.
 */
export async function captureCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer | null,
  optimizerConfig: OptimizerConfig,
  epoch: number,
  step: number,
): Promise<Checkpoint> {
  const modelTopology = model.toJSON(null, false) as object;
  const { specs: weightSpecs, data: weights } = await packTensors(model.weights.map((w) => ({ name: w.originalName, tensor: w.read() })));
  let optimizerState: Checkpoint['optimizer'] = null;
  if (optimizer) {
    const state = await optimizer.getWeights();
    try {
      const { specs, data } = await packTensors(state);
      optimizerState = { config: { ...optimizerConfig, learningRate: getLearningRate(optimizer) }, specs, data };
    } finally {
      // getWeights() makes a new scalar for the iteration count; the slot variables stay the optimizer's.
      state[0]?.tensor.dispose();
    }
  }
  return { modelTopology, weightSpecs, weights, optimizer: optimizerState, epoch, step, savedAt: new Date().toISOString() };
}

/** Throws, naming the first difference, unless the checkpoint's weights fit the model. */
export function checkWeightsFit(model: tf.LayersModel, checkpoint: Checkpoint): void {
  const { weightSpecs } = checkpoint;
  const weights = model.weights;
  if (weightSpecs.length !== weights.length) {
    throw new Error(`The checkpoint has ${weightSpecs.length} weights, the model ${weights.length}: it was saved from another architecture.`);
  }
  weightSpecs.forEach((spec, i) => {
    const shape = weights[i].shape as number[];
    if (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
      throw new Error(`Weight ${i} (${weights[i].originalName}) is ${formatShape(spec.shape)} in the checkpoint but ${formatShape(shape)} in the model.`);
    }
  });
}

/** Loads the checkpoint's weights into `model` (its variables keep their identity). */
export async function restoreWeights(model: tf.LayersModel, checkpoint: Checkpoint): Promise<void> {
  checkWeightsFit(model, checkpoint);
  const tensors = unpackTensors(checkpoint.weightSpecs, checkpoint.weights, 'weights');
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Builds the checkpoint's model from its topology and loads its weights. */
export async function modelFromCheckpoint(checkpoint: Checkpoint): Promise<tf.LayersModel> {
  const config = { modelTopology: checkpoint.modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0];
  const model = await tf.models.modelFromJSON(config);
  try {
    await restoreWeights(model, checkpoint);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * A new optimizer in the checkpoint's state. tfjs maps slot variables to trained variables by
 * position, not name, so a rebuilt model (whose variables are named differently) resumes
 * correctly as long as it trains the same variables in the same order; pass `model` to check that.
 */
export async function restoreOptimizer(checkpoint: Checkpoint, model?: tf.LayersModel): Promise<tf.Optimizer | null> {
  const state = checkpoint.optimizer;
  if (!state) return null;
  checkOptimizerState(state, model);
  const optimizer = createOptimizer(state.config);
  const tensors = unpackTensors(state.specs, state.data, 'optimizer state');
  try {
    // setWeights wraps each tensor in a new variable that shares its data, so ours can go.
    await optimizer.setWeights(state.specs.map((spec, i) => ({ name: spec.name, tensor: tensors[i] })));
    return optimizer;
  } catch (error) {
    optimizer.dispose();
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}

function checkOptimizerState(state: NonNullable<Checkpoint['optimizer']>, model: tf.LayersModel | undefined): void {
  const [iter, ...slots] = state.specs;
  if (!iter || iter.dtype !== 'int32' || iter.shape.length !== 0) {
    throw new Error("The checkpoint's optimizer state does not start with its iteration count: it is damaged.");
  }
  const perVariable = SLOTS_PER_VARIABLE[state.config.name];
  if (perVariable === undefined) throw new Error(`The checkpoint's optimizer "${state.config.name}" is not one this studio offers.`);
  if (slots.length % perVariable !== 0) {
    throw new Error(`The checkpoint's ${state.config.name} state has ${slots.length} slots, not a multiple of ${perVariable}.`);
  }
  if (!model || slots.length === 0) return; // no step taken yet: tfjs creates the slots on the first one
  const trainable = model.trainableWeights;
  const count = slots.length / perVariable;
  if (count !== trainable.length) {
    throw new Error(`The checkpoint's optimizer tracks ${count} variables, the model trains ${trainable.length}.`);
  }
  slots.forEach((slot, j) => {
    const shape = trainable[j % count].shape as number[];
    if (slot.shape.length !== shape.length || slot.shape.some((d, k) => d !== shape[k])) {
      throw new Error(
        `Optimizer slot ${slot.name} is ${formatShape(slot.shape)} but the variable it updates, ` +
          `${trainable[j % count].originalName}, is ${formatShape(shape)}.`,
      );
    }
  });
}

/** Approximate stored size: the binary buffers plus the topology as JSON. */
export function checkpointBytes(checkpoint: Checkpoint): number {
  return checkpoint.weights.byteLength + (checkpoint.optimizer?.data.byteLength ?? 0) + JSON.stringify(checkpoint.modelTopology).length;
}
