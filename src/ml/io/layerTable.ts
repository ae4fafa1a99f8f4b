/**
 * The one table of layer classes (DESIGN 5b). Each entry says how a layer's weights look in PyTorch's
 * layout (`torch`) and which ONNX nodes the layer becomes (`onnx`, built from those same weights).
 * The ONNX writer and the safetensors converter (safetensors.ts, both ways) walk the tfjs graph through this table;
 * a class without an entry is an error that names it. Teaching a new layer = adding one entry here.
 *
 * Layout: the ONNX graph is NCHW throughout. A rank-4 value is [N, C, H, W] in ONNX where tfjs holds
 * [N, H, W, C]; values of other ranks (the ViT's [N, tokens, d]) are laid out alike in both.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraph } from './onnx/graph';
import { activation, LayerMappingError, layerNorm, linear, onnxAxis, tfPads } from './onnx/ops';
import { emitTransformerBlock } from './onnx/transformerBlock';
import { DENSE_LINEAR, HWIO_OIHW, SAME, torchWeight, type TorchWeight, type WeightArray, type WeightLayoutPair } from './weightLayout';

type Config = tf.serialization.ConfigDict;
export type Shape = ReadonlyArray<number | null>;

/** One application of a layer, as the writer hands it to the entry. */
export interface LayerCall {
  className: string;
  layerName: string;
  config: Config;
  /** ONNX value names of the inputs, with their tfjs shapes (batch null). */
  inputs: ReadonlyArray<{ name: string; shape: Shape }>;
  outputShape: Shape;
  /** The name the entry's last node must give its output. */
  output: string;
  /** The layer's weights in PyTorch's layout, by key (what `torch` returned). */
  weights: ReadonlyMap<string, TorchWeight>;
}

/** One weight of a layer: its PyTorch key, its tfjs short name, and the layout between them. */
export interface TorchParam {
  /** As the PyTorch module names it ("weight", "running_mean", "qkv.bias"). */
  key: string;
  /** tfjs's short name ("kernel", "gamma", "qkv_kernel"). */
  tfjs: string;
  layout: WeightLayoutPair;
  /** Absent in some configurations (a conv without bias, a BatchNorm without scale). */
  optional?: boolean;
}

export interface LayerEntry {
  /**
   * The layer's weights in PyTorch's layout, one by one: read forwards for export (ONNX, safetensors)
   * and backwards for import (safetensors), so both directions share this one list.
   */
  torch: readonly TorchParam[];
  /** Appends the layer's nodes; the last one outputs `call.output`. */
  onnx(graph: OnnxGraph, call: LayerCall): void;
}

export { LayerMappingError };

/** A layer class the table has no entry for. */
export class UnmappedLayerError extends LayerMappingError {
  constructor(
    readonly className: string,
    readonly layerName: string,
  ) {
    super(`layer "${layerName}" is a ${className}, which has no entry in the layer table (src/ml/io/layerTable.ts): it cannot be exported`);
  }
}

const where = (call: { className?: string; layerName: string }) => `${call.className ?? 'layer'} "${call.layerName}"`;

/** The layer's weights in PyTorch's layout, from tfjs's stored weights keyed by short name; a weight the entry does not list is an error. */
export function torchWeights(entry: LayerEntry, stored: ReadonlyMap<string, WeightArray>, layerName: string): TorchWeight[] {
  const known = new Set(entry.torch.map((p) => p.tfjs));
  for (const name of stored.keys())
    if (!known.has(name)) throw new LayerMappingError(`layer "${layerName}": weight "${name}" has no PyTorch key in the layer table`);
  const out: TorchWeight[] = [];
  for (const param of entry.torch) {
    const w = stored.get(param.tfjs);
    if (w) out.push(torchWeight(param.key, param.layout.toTorch(w)));
    else if (!param.optional) throw new LayerMappingError(`layer "${layerName}" has no weight "${param.tfjs}"`);
  }
  return out;
}

/** The PyTorch keys and shapes a layer's weights take, given tfjs's shapes by short name (what an import must find). */
export function torchShapes(
  entry: LayerEntry,
  shapes: ReadonlyMap<string, readonly number[]>,
  layerName: string,
): Array<{ key: string; tfjs: string; shape: number[] }> {
  return torchWeights(entry, new Map([...shapes].map(([name, shape]) => [name, { shape: [...shape], values: new Float32Array(0) }])), layerName).map((w) => {
    const param = entry.torch.find((p) => p.key === w.key)!;
    return { key: w.key, tfjs: param.tfjs, shape: param.layout.torchShape(shapes.get(param.tfjs)!) };
  });
}

/** The inverse of torchWeights: PyTorch arrays by key -> tfjs's arrays by short name (shapes are the caller's to check). */
export function fromTorchWeights(entry: LayerEntry, torch: ReadonlyMap<string, WeightArray>, layerName: string): Map<string, WeightArray> {
  const out = new Map<string, WeightArray>();
  for (const param of entry.torch) {
    const w = torch.get(param.key);
    if (w) out.set(param.tfjs, param.layout.fromTorch(w));
    else if (!param.optional) throw new LayerMappingError(`layer "${layerName}" has no tensor "${param.key}"`);
  }
  return out;
}

function weight(call: LayerCall, key: string): TorchWeight {
  const w = call.weights.get(key);
  if (!w) throw new LayerMappingError(`${where(call)}: no weight "${key}"`);
  return w;
}

const init = (graph: OnnxGraph, call: LayerCall, key: string): string => {
  const w = weight(call, key);
  return graph.float(`${call.layerName}.${key}`, w.shape, w.values);
};

const pair = (value: unknown): number[] => (Array.isArray(value) ? (value as number[]) : [value as number, value as number]);
const single = (call: LayerCall) => call.inputs[0]!;

/** Conv2d weight (OIHW) and optional bias, as PyTorch's nn.Conv2d holds them. */
const convTorch: readonly TorchParam[] = [
  { key: 'weight', tfjs: 'kernel', layout: HWIO_OIHW },
  { key: 'bias', tfjs: 'bias', layout: SAME, optional: true },
];

function conv(graph: OnnxGraph, call: LayerCall, attrs: { kernel: number[]; strides: number[]; dilations: number[]; padding: string }, act: string): void {
  const input = single(call);
  const inputs = [input.name, init(graph, call, 'weight')];
  if (call.weights.has('bias')) inputs.push(init(graph, call, 'bias'));
  const pads = tfPads(attrs.padding, input.shape.slice(1, 3), attrs.kernel, attrs.strides, attrs.dilations, where(call));
  const out = act === 'linear' ? call.output : undefined;
  const y = graph.node('Conv', inputs, { kernel_shape: attrs.kernel, strides: attrs.strides, dilations: attrs.dilations, pads }, out);
  if (act !== 'linear') activation(graph, act, y, 4, where(call), call.output);
}

/** Keras's channel-last BatchNormalization: axis -1 (or rank - 1) is NCHW's axis 1. */
function checkChannelAxis(call: LayerCall, axis: unknown): void {
  const rank = single(call).shape.length;
  const axes = Array.isArray(axis) ? axis : [axis];
  if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== rank - 1)) {
    throw new LayerMappingError(`${where(call)}: only the last axis is mapped, got axis ${JSON.stringify(axis)}`);
  }
}

export const LAYER_TABLE: Readonly<Record<string, LayerEntry>> = {
  // The graph input; the writer names it `image` and no node makes it.
  InputLayer: { torch: [], onnx: () => {} },

  Conv2D: {
    torch: convTorch,
    onnx(graph, call) {
      const c = call.config;
      if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast')
        throw new LayerMappingError(`${where(call)}: dataFormat ${String(c.dataFormat)} is not mapped`);
      const kernel = pair(c.kernelSize);
      conv(
        graph,
        call,
        { kernel, strides: pair(c.strides ?? 1), dilations: pair(c.dilationRate ?? 1), padding: String(c.padding ?? 'valid') },
        String(c.activation ?? 'linear'),
      );
    },
  },

  // Computed by spaceToBatchND -> conv -> batchToSpaceND for its gradient; it equals a dilated 'same' conv.
  AtrousConv2D: {
    torch: convTorch,
    onnx(graph, call) {
      const k = Number(call.config.kernelSize ?? 3);
      const rate = Number(call.config.rate);
      conv(graph, call, { kernel: [k, k], strides: [1, 1], dilations: [rate, rate], padding: 'same' }, 'linear');
    },
  },

  BatchNormalization: {
    // PyTorch's num_batches_tracked is not a tfjs weight and is not carried.
    torch: [
      { key: 'weight', tfjs: 'gamma', layout: SAME, optional: true },
      { key: 'bias', tfjs: 'beta', layout: SAME, optional: true },
      { key: 'running_mean', tfjs: 'moving_mean', layout: SAME },
      { key: 'running_var', tfjs: 'moving_variance', layout: SAME },
    ],
    onnx(graph, call) {
      checkChannelAxis(call, call.config.axis ?? -1);
      const rank = single(call).shape.length;
      if (rank !== 4 && rank !== 2) throw new LayerMappingError(`${where(call)}: only rank-2 and rank-4 inputs are mapped, got rank ${rank}`);
      const channels = weight(call, 'running_mean').shape;
      const filled = (key: string, value: number) =>
        call.weights.has(key) ? init(graph, call, key) : graph.float(`${call.layerName}.${key}`, channels, new Float32Array(channels[0]!).fill(value));
      const inputs = [single(call).name, filled('weight', 1), filled('bias', 0), init(graph, call, 'running_mean'), init(graph, call, 'running_var')];
      graph.node('BatchNormalization', inputs, { epsilon: { float: Number(call.config.epsilon ?? 1e-3) } }, call.output);
    },
  },

  ReLU: {
    torch: [],
    onnx(graph, call) {
      const max = call.config.maxValue;
      if (max == null) graph.node('Relu', [single(call).name], {}, call.output);
      else graph.node('Clip', [single(call).name, graph.scalar('zero', 0), graph.scalar(`relu_max`, Number(max))], {}, call.output);
    },
  },

  Activation: {
    torch: [],
    onnx: (graph, call) => void activation(graph, String(call.config.activation), single(call).name, single(call).shape.length, where(call), call.output),
  },

  MaxPooling2D: {
    torch: [],
    onnx(graph, call) {
      const kernel = pair(call.config.poolSize ?? 2);
      const strides = pair(call.config.strides ?? kernel);
      const pads = tfPads(String(call.config.padding ?? 'valid'), single(call).shape.slice(1, 3), kernel, strides, [1, 1], where(call));
      graph.node('MaxPool', [single(call).name], { kernel_shape: kernel, strides, pads }, call.output);
    },
  },

  Concatenate: {
    torch: [],
    onnx(graph, call) {
      const axis = onnxAxis(Number(call.config.axis ?? -1), single(call).shape.length);
      graph.node(
        'Concat',
        call.inputs.map((i) => i.name),
        { axis },
        call.output,
      );
    },
  },

  // tf.image.resizeBilinear(alignCorners = true): ONNX Resize, linear, align_corners.
  BilinearUpsample: {
    torch: [],
    onnx(graph, call) {
      const f = Number(call.config.factor ?? 2);
      const scales = graph.float(`${call.layerName}.scales`, [4], new Float32Array([1, 1, f, f]));
      graph.node('Resize', [single(call).name, '', scales], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, call.output);
    },
  },

  // Keras reshapes in NHWC order: a rank-4 value goes to NHWC and back around the Reshape.
  Reshape: {
    torch: [],
    onnx(graph, call) {
      const input = single(call);
      const x = input.shape.length === 4 ? graph.node('Transpose', [input.name], { perm: [0, 2, 3, 1] }) : input.name;
      const target = [0, ...(call.config.targetShape as number[])];
      const toNchw = call.outputShape.length === 4;
      const y = graph.node('Reshape', [x, graph.int64(target)], {}, toNchw ? undefined : call.output);
      if (toNchw) graph.node('Transpose', [y], { perm: [0, 3, 1, 2] }, call.output);
    },
  },

  Dense: {
    torch: [
      { key: 'weight', tfjs: 'kernel', layout: DENSE_LINEAR },
      { key: 'bias', tfjs: 'bias', layout: SAME, optional: true },
    ],
    onnx(graph, call) {
      const rank = single(call).shape.length;
      if (rank === 4) throw new LayerMappingError(`${where(call)}: Dense on a rank-4 feature map is not mapped`);
      const act = String(call.config.activation ?? 'linear');
      const bias = call.weights.get('bias');
      const y = linear(graph, single(call).name, call.layerName, weight(call, 'weight'), bias, act === 'linear' ? call.output : undefined);
      if (act !== 'linear') activation(graph, act, y, rank, where(call), call.output);
    },
  },

  LayerNormalization: {
    torch: [
      { key: 'weight', tfjs: 'gamma', layout: SAME, optional: true },
      { key: 'bias', tfjs: 'beta', layout: SAME, optional: true },
    ],
    onnx(graph, call) {
      checkChannelAxis(call, call.config.axis ?? -1);
      if (single(call).shape.length === 4) throw new LayerMappingError(`${where(call)}: LayerNormalization of a rank-4 feature map is not mapped`);
      const width = call.inputs[0]!.shape.at(-1) as number;
      const scale = call.weights.get('weight') ?? { shape: [width], values: new Float32Array(width).fill(1) };
      layerNorm(graph, single(call).name, call.layerName, scale, call.weights.get('bias'), Number(call.config.epsilon ?? 1e-3), call.output);
    },
  },

  // A bare nn.Parameter in PyTorch (the bottleneck's `position`), added to every sequence.
  PositionEmbedding: {
    torch: [{ key: 'position', tfjs: 'embedding', layout: SAME }],
    onnx: (graph, call) => void graph.node('Add', [single(call).name, init(graph, call, 'position')], {}, call.output),
  },

  // PyTorch: ln1, qkv, out, ln2, mlp1, mlp2 submodules (bench/reference/train_torch.py's Block).
  TransformerBlock: {
    torch: [
      ...['ln1', 'ln2'].flatMap((ln): TorchParam[] => [
        { key: `${ln}.weight`, tfjs: `${ln}_gamma`, layout: SAME },
        { key: `${ln}.bias`, tfjs: `${ln}_beta`, layout: SAME },
      ]),
      ...['qkv', 'out', 'mlp1', 'mlp2'].flatMap((fc): TorchParam[] => [
        { key: `${fc}.weight`, tfjs: `${fc}_kernel`, layout: DENSE_LINEAR },
        { key: `${fc}.bias`, tfjs: `${fc}_bias`, layout: SAME },
      ]),
    ],
    onnx(graph, call) {
      const width = single(call).shape.at(-1) as number;
      emitTransformerBlock(graph, {
        x: single(call).name,
        prefix: call.layerName,
        heads: Number(call.config.heads),
        width,
        weight: (key) => weight(call, key),
        output: call.output,
      });
    },
  },
};

/** The entry for a class, or an error that names the class and the layer. */
export function layerEntry(className: string, layerName: string, table: Readonly<Record<string, LayerEntry>> = LAYER_TABLE): LayerEntry {
  const entry = Object.hasOwn(table, className) ? table[className] : undefined;
  if (!entry) throw new UnmappedLayerError(className, layerName);
  return entry;
}
