/**
 * tfjs Layers model -> ONNX file (opset 17), through the layer table. Pure: no DOM, no file system;
 * reads weights with `await data()` so it runs on every backend.
 *
 * Contract: input `image` float32 [N, 3, H, W], RGB in [0, 1]; output `logits` float32 [N, 1, H, W]
 * (car = sigmoid(logit) > threshold). The whole graph is NCHW, as ONNX runtimes prefer: no transpose
 * at the input or output, and convolutions run in the runtimes' native layout.
 */
import type * as tf from '@tensorflow/tfjs';
import { LAYER_TABLE, layerEntry, LayerMappingError, torchWeights as toTorch, type LayerEntry, type Shape } from '../layerTable';
import type { TorchWeight, WeightArray } from '../weightLayout';
import { OnnxGraph } from './graph';
import { encodeModel, valueInfo, type ModelMessage } from './proto';

export const ONNX_OPSET = 17;
/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;
export const INPUT_NAME = 'image';
export const OUTPUT_NAME = 'logits';

export interface OnnxExportOptions {
  /** Defaults to the model's name (buildModel names it after its preset). */
  preset?: string;
  /** Probability above which a pixel is car. */
  threshold?: number;
  /** Which run and checkpoint the weights come from, as people read it. */
  run?: string;
  /** More metadata properties. */
  metadata?: Record<string, string>;
  /** The layer table; tests pass a deliberately broken one to show the checks catch it. */
  table?: Readonly<Record<string, LayerEntry>>;
}

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

/** tfjs's stored weights of a layer by short name ("inc_conv1/kernel" -> "kernel"), read off the backend. */
export async function storedWeights(layer: Layer): Promise<Map<string, WeightArray>> {
  const out = new Map<string, WeightArray>();
  for (const variable of layer.weights) {
    const name = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
    if (variable.dtype !== 'float32') throw new LayerMappingError(`layer "${layer.name}": weight "${name}" is ${variable.dtype}, not float32`);
    out.set(name, { shape: [...variable.shape] as number[], values: (await variable.read().data()) as Float32Array });
  }
  return out;
}

function fourD(shape: Shape, what: string): [number, number, number] {
  if (shape.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
    throw new LayerMappingError(`the model's ${what} is [${shape.join(', ')}]: a fixed-size [batch, height, width, channels] image is needed`);
  }
  return shape.slice(1) as [number, number, number];
}

/** The model as ONNX protobuf bytes; throws a LayerMappingError naming the layer it cannot map. */
export async function modelToOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  const table = options.table ?? LAYER_TABLE;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new LayerMappingError(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; one of each is exported`);
  }
  // Every class first, so an unmapped one is named before any work.
  for (const layer of model.layers) layerEntry(layer.getClassName(), layer.name, table);
  const [height, width, channels] = fourD(model.inputs[0]!.shape, 'input');
  const [outHeight, outWidth, outChannels] = fourD(model.outputs[0]!.shape, 'output');
  if (channels !== 3) throw new LayerMappingError(`the model's input has ${channels} channels; an RGB image (3) is expected`);

  const graph = new OnnxGraph();
  const names = new Map<number, string>([[model.inputs[0]!.id, graph.reserve(INPUT_NAME)]]);
  const outputTensor = model.outputs[0]!;
  graph.reserve(OUTPUT_NAME);
  const torchCache = new Map<Layer, Map<string, TorchWeight>>();

  const torchWeights = async (layer: Layer, entry: LayerEntry): Promise<Map<string, TorchWeight>> => {
    let weights = torchCache.get(layer);
    if (!weights) {
      const list = toTorch(entry, await storedWeights(layer), layer.name);
      weights = new Map(list.map((w) => [w.key, w]));
      torchCache.set(layer, weights);
    }
    return weights;
  };

  // Depth-first from the output: inputs are named before the node that reads them.
  const visit = async (tensor: SymbolicTensor): Promise<string> => {
    const known = names.get(tensor.id);
    if (known) return known;
    const layer = tensor.sourceLayer as Layer;
    const className = layer.getClassName();
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (!node || className === 'InputLayer') throw new LayerMappingError(`layer "${layer.name}" (${className}) feeds the model but is not its input`);
    if (node.outputTensors.length !== 1)
      throw new LayerMappingError(`layer "${layer.name}" (${className}) has ${node.outputTensors.length} outputs; one is mapped`);
    const inputs = [];
    for (const input of node.inputTensors) inputs.push({ name: await visit(input), shape: input.shape as Shape });
    const entry = layerEntry(className, layer.name, table);
    const output = tensor === outputTensor ? OUTPUT_NAME : graph.fresh(layer.name);
    entry.onnx(graph, {
      className,
      layerName: layer.name,
      config: layer.getConfig(),
      inputs,
      outputShape: tensor.shape as Shape,
      output,
      weights: await torchWeights(layer, entry),
    });
    if (!graph.nodes.some((n) => n.output.includes(output)))
      throw new LayerMappingError(`the table's ${className} entry made no node for layer "${layer.name}"`);
    names.set(tensor.id, output);
    return output;
  };
  await visit(outputTensor);

  const preset = options.preset ?? model.name;
  const threshold = options.threshold ?? 0.5;
  const metadata: Record<string, string> = {
    preset,
    input_size: `${height}x${width}`,
    threshold: String(threshold),
    ...(options.run ? { run: options.run } : {}),
    input: `${INPUT_NAME}: float32 [N, 3, ${height}, ${width}], RGB in [0, 1], NCHW`,
    output: `${OUTPUT_NAME}: float32 [N, ${outChannels}, ${outHeight}, ${outWidth}]; car where sigmoid(logit) > ${threshold}`,
    ...options.metadata,
  };
  const message: ModelMessage = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'carvana-masking-studio',
    producer_version: '0.1.0',
    doc_string: `Car segmentation (${preset}, ${height}x${width}) exported from a TensorFlow.js Layers model.`,
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(INPUT_NAME, ['N', 3, height, width], 'RGB in [0, 1], NCHW')],
      output: [valueInfo(OUTPUT_NAME, ['N', outChannels, outHeight, outWidth], 'logits; car = sigmoid > threshold')],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(message);
}
