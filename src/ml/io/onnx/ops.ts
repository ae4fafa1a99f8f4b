/**
 * ONNX building blocks the layer table shares: padding as TF computes it, MatMul + Add for a Linear,
 * exact GELU through Erf, LayerNormalization, activations by their Keras names, axis mapping.
 */
import { swapLastTwo, type WeightArray } from '../weightLayout';
import type { OnnxGraph } from './graph';

/** A mapping the writer cannot make; the message names the layer and what is not mapped. */
export class LayerMappingError extends Error {}

/** tfjs axis of a rank-`rank` value -> ONNX axis (rank-4 values are NCHW in the graph, NHWC in tfjs). */
export function onnxAxis(axis: number, rank: number): number {
  const positive = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return positive;
  return [0, 2, 3, 1][positive]!;
}

/**
 * ONNX pads [top, left, bottom, right] for TF's 'same' / 'valid' on spatial sizes `size`; TF puts
 * the odd pixel of 'same' at the bottom / right, as ONNX's explicit pads can.
 */
export function tfPads(
  padding: string,
  size: ReadonlyArray<number | null>,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  where: string,
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new LayerMappingError(`${where}: padding "${padding}" is not mapped to ONNX`);
  const before: number[] = [];
  const after: number[] = [];
  for (let k = 0; k < 2; k++) {
    const span = dilations[k]! * (kernel[k]! - 1) + 1;
    const length = size[k];
    if (length == null && strides[k] !== 1) throw new LayerMappingError(`${where}: 'same' padding with stride > 1 needs a fixed input size`);
    const total = length == null ? span - 1 : Math.max((Math.ceil(length / strides[k]!) - 1) * strides[k]! + span - length, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** x @ kernel + bias for x [..., in]; `torchWeight` is PyTorch's Linear [out, in], MatMul wants [in, out]. */
export function linear(graph: OnnxGraph, x: string, prefix: string, torchWeight: WeightArray, bias: WeightArray | undefined, output?: string): string {
  const kernel = swapLastTwo(torchWeight);
  const product = graph.node('MatMul', [x, graph.float(`${prefix}.kernel`, kernel.shape, kernel.values)], {}, bias ? undefined : output);
  if (!bias) return product;
  return graph.node('Add', [product, graph.float(`${prefix}.bias`, bias.shape, bias.values)], {}, output);
}

/** Exact GELU as tfjs computes it: (x * 0.5) * (1 + erf(x / sqrt 2)). */
export function gelu(graph: OnnxGraph, x: string, output?: string): string {
  const erf = graph.node('Erf', [graph.node('Div', [x, graph.scalar('sqrt2', Math.SQRT2)])]);
  const cdf = graph.node('Add', [erf, graph.scalar('one', 1)]);
  const half = graph.node('Mul', [x, graph.scalar('half', 0.5)]);
  return graph.node('Mul', [half, cdf], {}, output);
}

/** LayerNormalization over the last axis (ONNX opset 17): (x - mean) / sqrt(var + epsilon) * scale + bias. */
export function layerNorm(
  graph: OnnxGraph,
  x: string,
  prefix: string,
  scale: WeightArray,
  bias: WeightArray | undefined,
  epsilon: number,
  output?: string,
): string {
  const inputs = [x, graph.float(`${prefix}.weight`, scale.shape, scale.values)];
  if (bias) inputs.push(graph.float(`${prefix}.bias`, bias.shape, bias.values));
  return graph.node('LayerNormalization', inputs, { axis: -1, epsilon: { float: epsilon } }, output);
}

/**
 * A Keras activation by name, applied to `x` of tfjs rank `rank`; 'linear' adds nothing (returns x
 * unless an output name is required, which only a real op can give).
 */
export function activation(graph: OnnxGraph, name: string, x: string, rank: number, where: string, output?: string): string {
  switch (name) {
    case 'linear':
      return output ? graph.node('Identity', [x], {}, output) : x;
    case 'relu':
      return graph.node('Relu', [x], {}, output);
    case 'relu6':
      return graph.node('Clip', [x, graph.scalar('zero', 0), graph.scalar('six', 6)], {}, output);
    case 'sigmoid':
      return graph.node('Sigmoid', [x], {}, output);
    case 'tanh':
      return graph.node('Tanh', [x], {}, output);
    case 'softmax':
      // Keras's softmax runs over the last (channel) axis: axis 1 of an NCHW value.
      return graph.node('Softmax', [x], { axis: onnxAxis(-1, rank) }, output);
    case 'gelu':
      return gelu(graph, x, output);
    default:
      throw new LayerMappingError(`${where}: activation "${name}" is not mapped to ONNX`);
  }
}
