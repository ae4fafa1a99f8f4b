/**
 * The optimizer's state across the PyTorch border (DESIGN 5b), so that a run continued on a cluster keeps
 * its Adam moments (or SGD momentum) instead of restarting them. The slots travel as optimizer.safetensors,
 * each named after the weight it updates (`<layer>.<torch key>`) plus the slot's PyTorch name, in the
 * weight's PyTorch layout through the layer table (a slot has its variable's shape, so the same layout
 * applies), with the step count in the metadata.
 *
 * The update rules agree: tfjs's Adam divides by sqrt(v_hat) + epsilon with bias corrections
 * 1 - beta^(t+1) for its (t+1)th step, as torch.optim.Adam does with `step` = t; tfjs's momentum
 * (accum = momentum * accum + g; w -= lr * accum) is torch's SGD with momentum and no dampening.
 * RMSprop differs (tfjs adds epsilon inside the square root), so its state does not travel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Checkpoint, TensorSpec } from './checkpoint';
import { layerEntry, type LayerEntry } from './layerTable';
import type { OptimizerConfig } from '../train/optimizer';
import { SafetensorsError } from './safetensors';
import type { WeightArray } from './weightLayout';

export const OPTIMIZER_STATE_NAME = 'optimizer.safetensors';

type OptimizerState = NonNullable<Checkpoint['optimizer']>;

/** Each optimizer's slots in tfjs's order (all of one slot for every variable, then the next) and PyTorch's names. */
const TORCH_SLOTS: Partial<Record<OptimizerConfig['name'], readonly string[]>> = { adam: ['exp_avg', 'exp_avg_sq'], sgd: ['momentum_buffer'] };

/** Whether this optimizer's state can continue in PyTorch. */
export const stateTravels = (name: OptimizerConfig['name']): boolean => TORCH_SLOTS[name] !== undefined;

/** How each trainable variable (in model.trainableWeights order) is named and laid out on the PyTorch side. */
function trainableParams(model: tf.LayersModel, table?: Readonly<Record<string, LayerEntry>>) {
  const byVariable = new Map<tf.LayerVariable, { name: string; entryParam: LayerEntry['torch'][number] }>();
  for (const layer of model.layers) {
    const entry = layerEntry(layer.getClassName(), layer.name, table);
    for (const variable of layer.trainableWeights) {
      const short = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
      const param = entry.torch.find((p) => p.tfjs === short);
      if (!param) throw new SafetensorsError(`layer "${layer.name}": trainable weight "${short}" has no PyTorch key in the layer table`);
      byVariable.set(variable, { name: `${layer.name}.${param.key}`, entryParam: param });
    }
  }
  return model.trainableWeights.map((variable) => {
    const found = byVariable.get(variable);
    if (!found) throw new SafetensorsError(`trainable weight "${variable.originalName}" belongs to no layer of the model`);
    return { ...found, shape: variable.shape as number[] };
  });
}

const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * A checkpoint's optimizer state as PyTorch-layout tensors and metadata, or null when there is none to
 * send (no step taken yet, or RMSprop). Throws when the state does not fit the model.
 */
export function optimizerToTorchTensors(
  model: tf.LayersModel,
  state: OptimizerState | null,
  table?: Readonly<Record<string, LayerEntry>>,
): { tensors: Map<string, WeightArray>; metadata: Record<string, string> } | null {
  const slots = state && TORCH_SLOTS[state.config.name];
  if (!state || !slots || state.specs.length <= 1) return null;
  const params = trainableParams(model, table);
  const [iterations, ...slotSpecs] = state.specs;
  if (iterations!.dtype !== 'int32' || iterations!.shape.length !== 0)
    throw new SafetensorsError('the optimizer state does not start with its iteration count: it is damaged');
  if (slotSpecs.length !== params.length * slots.length) {
    throw new SafetensorsError(
      `the ${state.config.name} state has ${slotSpecs.length} slots; the model's ${params.length} trained weights need ${params.length * slots.length}`,
    );
  }
  const step = new Int32Array(state.data, 0, 1)[0]!;
  const tensors = new Map<string, WeightArray>();
  let offset = 4;
  slotSpecs.forEach((spec, k) => {
    const param = params[k % params.length]!;
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(state.data.slice(offset, offset + 4 * count));
    offset += 4 * count;
    if (formatShape(spec.shape) !== formatShape(param.shape)) {
      throw new SafetensorsError(`optimizer slot ${spec.name} is ${formatShape(spec.shape)} but ${param.name} is ${formatShape(param.shape)}`);
    }
    const torch = param.entryParam.layout.toTorch({ shape: [...spec.shape], values });
    tensors.set(`${param.name}.${slots[Math.floor(k / params.length)]!}`, torch);
  });
  return { tensors, metadata: { optimizer: state.config.name, step: String(step) } };
}

/**
 * optimizer.safetensors read back into the checkpoint's optimizer state for `config` (tfjs's order and
 * layout). Every tensor is checked first: a missing, extra or mis-shaped one, or another optimizer's
 * state, is refused naming the file and the tensor.
 */
export function optimizerFromTorchTensors(
  model: tf.LayersModel,
  tensors: ReadonlyMap<string, WeightArray>,
  metadata: Readonly<Record<string, string>>,
  config: OptimizerConfig,
  fileName: string,
  table?: Readonly<Record<string, LayerEntry>>,
): OptimizerState {
  const slots = TORCH_SLOTS[config.name];
  if (!slots) throw new SafetensorsError(`${fileName}: the run's optimizer is ${config.name}, whose state does not travel to or from PyTorch`);
  if (metadata.optimizer !== config.name) {
    throw new SafetensorsError(
      `${fileName} holds ${metadata.optimizer ? `${metadata.optimizer}'s` : 'an unnamed optimizer’s'} state but the run trains with ${config.name}`,
    );
  }
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 1)
    throw new SafetensorsError(`${fileName}: metadata "step" ${JSON.stringify(metadata.step)} is not a positive whole number`);
  const params = trainableParams(model, table);
  const specs: TensorSpec[] = [{ name: 'iter', shape: [], dtype: 'int32' }];
  const arrays: Float32Array[] = [];
  const used = new Set<string>();
  for (const slot of slots) {
    for (const param of params) {
      const name = `${param.name}.${slot}`;
      const want = param.entryParam.layout.torchShape(param.shape);
      const tensor = tensors.get(name);
      if (!tensor) throw new SafetensorsError(`${fileName}: tensor "${name}" is missing (the model needs it as ${formatShape(want)})`);
      if (formatShape(tensor.shape) !== formatShape(want)) {
        throw new SafetensorsError(`${fileName}: tensor "${name}" is ${formatShape(tensor.shape)} but the model needs ${formatShape(want)}`);
      }
      used.add(name);
      arrays.push(param.entryParam.layout.fromTorch(tensor).values);
      specs.push({ name: `${param.name}/${slot}`, shape: [...param.shape], dtype: 'float32' });
    }
  }
  const extra = [...tensors.keys()].find((name) => !used.has(name));
  if (extra) throw new SafetensorsError(`${fileName}: tensor "${extra}" is not a ${config.name} slot of this model's weights`);
  const data = new ArrayBuffer(4 * (1 + arrays.reduce((sum, a) => sum + a.length, 0)));
  new Int32Array(data, 0, 1)[0] = step;
  let offset = 4;
  for (const values of arrays) {
    new Float32Array(data, offset, values.length).set(values);
    offset += 4 * values.length;
  }
  return { config, specs, data };
}
