/**
 * ONNX nodes of the studio's TransformerBlock (src/ml/model/transformer.ts), op for op as its `call`:
 * pre-norm multi-head self-attention with Softmax, then a 4x MLP with exact GELU, each with a residual.
 */
import type { WeightArray } from '../weightLayout';
import type { OnnxGraph } from './graph';
import { gelu, layerNorm, linear } from './ops';

/** transformer.ts's LAYER_NORM_EPSILON: the block's own LayerNorms are not Keras layers, so no config carries it. */
export const TRANSFORMER_LN_EPSILON = 1e-6;

export interface TransformerBlockCall {
  /** Input [N, tokens, d]. */
  x: string;
  prefix: string;
  heads: number;
  width: number;
  /** A weight by its PyTorch key ("ln1.weight", "qkv.weight" [3d, d] ...). */
  weight: (key: string) => WeightArray;
  output: string;
}

export function emitTransformerBlock(graph: OnnxGraph, call: TransformerBlockCall): void {
  const { x, prefix, heads, width, weight, output } = call;
  const headDim = width / heads;
  const norm = (name: string, input: string) =>
    layerNorm(graph, input, `${prefix}.${name}`, weight(`${name}.weight`), weight(`${name}.bias`), TRANSFORMER_LN_EPSILON);
  const dense = (name: string, input: string, out?: string) => linear(graph, input, `${prefix}.${name}`, weight(`${name}.weight`), weight(`${name}.bias`), out);

  const qkv = dense('qkv', norm('ln1', x));
  // [N, T, 3d] -> [N, T, 3, heads, dh] -> [3, N, heads, T, dh], as the tfjs block splits it.
  const split = graph.node('Transpose', [graph.node('Reshape', [qkv, graph.int64([0, 0, 3, heads, headDim])])], { perm: [2, 0, 3, 1, 4] });
  const [q, k, v] = [0, 1, 2].map((i) => graph.node('Gather', [split, graph.int64(i)], { axis: 0 }));
  const keysT = graph.node('Transpose', [k!], { perm: [0, 1, 3, 2] });
  const scores = graph.node('Mul', [graph.node('MatMul', [q!, keysT]), graph.scalar('attention_scale', 1 / Math.sqrt(headDim))]);
  const attended = graph.node('MatMul', [graph.node('Softmax', [scores], { axis: -1 }), v!]);
  // [N, heads, T, dh] -> [N, T, heads, dh] -> [N, T, d]
  const merged = graph.node('Reshape', [graph.node('Transpose', [attended], { perm: [0, 2, 1, 3] }), graph.int64([0, 0, width])]);
  const afterAttention = graph.node('Add', [x, dense('out', merged)]);

  const hidden = gelu(graph, dense('mlp1', norm('ln2', afterAttention)));
  graph.node('Add', [afterAttention, dense('mlp2', hidden)], {}, output);
}
