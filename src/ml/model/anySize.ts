/**
 * The model's forward pass on images of another size than it was built for, with the same layers and
 * variables: progressive resizing trains on small images first, then goes on at the model's size with
 * everything it learnt (Adam's moments included, since the variables are the same ones).
 *
 * tfjs fixes a functional model's input size, so the graph is run here eagerly, layer by layer, in the
 * model's topological order. Convolutions, pooling and upsampling follow any size; the three layers
 * bound to the size are adapted: the bottleneck's two reshapes follow the token grid of the input, and
 * the position table is resized to that grid (PositionEmbedding.addOnGrid).
 */
import * as tf from '@tensorflow/tfjs';
import { PositionEmbedding } from './transformer';

type Grid = [number, number];

export function applyAtAnySize(model: tf.LayersModel, x: tf.Tensor4D, training: boolean): tf.Tensor {
  return tf.tidy(() => {
    const outputs = new Map<tf.layers.Layer, tf.Tensor>();
    // The token grid: this input's, and the one the model was built with.
    let grid: Grid | null = null;
    let builtGrid: Grid | null = null;
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') {
        outputs.set(layer, x);
        continue;
      }
      const node = layer.inboundNodes[0];
      if (node.outputTensors.length !== 1 || node.tensorIndices.some((i) => i !== 0)) {
        throw new Error(`Layer ${layer.name}: only layers with one output can run at another size.`);
      }
      const inputs = node.inboundLayers.map((inbound) => {
        const value = outputs.get(inbound);
        if (!value) throw new Error(`Layer ${layer.name}: its input ${inbound.name} has not run (the model's layers are out of order).`);
        return value;
      });
      const input = inputs[0];
      let output: tf.Tensor;
      if (layer.getClassName() === 'Reshape' && input.rank === 4) {
        // Feature map to tokens: [B, h, w, c] -> [B, h*w, c].
        const [batch, h, w, c] = input.shape as [number, number, number, number];
        const shapes = node.inputShapes;
        const [, builtH, builtW] = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as [null, number, number];
        grid = [h, w];
        builtGrid = [builtH, builtW];
        output = tf.reshape(input, [batch, h * w, c]);
      } else if (layer.getClassName() === 'Reshape' && input.rank === 3 && grid) {
        // Tokens back to a map on the same grid.
        const [batch, , c] = input.shape as [number, number, number];
        output = tf.reshape(input, [batch, grid[0], grid[1], c]);
      } else if (layer.getClassName() === 'Reshape') {
        throw new Error(`Layer ${layer.name}: a reshape of a rank-${input.rank} tensor cannot follow another input size.`);
      } else if (layer instanceof PositionEmbedding) {
        if (!grid || !builtGrid) throw new Error(`Layer ${layer.name}: position embedding without a token grid before it.`);
        output = layer.addOnGrid(input, grid, builtGrid);
      } else {
        output = layer.apply(inputs.length === 1 ? input : inputs, { training }) as tf.Tensor;
      }
      outputs.set(layer, output);
    }
    const last = model.outputLayers[0];
    const result = outputs.get(last);
    if (!result) throw new Error(`The model's output layer ${last.name} did not run.`);
    return result;
  });
}
