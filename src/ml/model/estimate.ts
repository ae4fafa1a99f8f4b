/**
 * Parameter count and a rough training-memory estimate of a preset, by arithmetic (no tfjs), so
 * the page can show them before building anything. Tests pin the count to the built model's.
 */
import type { ModelConfig } from './presets';

const conv3x3 = (inputs: number, outputs: number) => inputs * 9 * outputs + outputs;
const batchNorm = (channels: number) => 2 * channels; // gamma and beta (trainable)
const doubleConv = (inputs: number, outputs: number, mid = outputs) => conv3x3(inputs, mid) + batchNorm(mid) + conv3x3(mid, outputs) + batchNorm(outputs);

/** Trainable parameters, as PyTorch counts them. */
export function estimateParams(config: ModelConfig): number {
  const b = config.base;
  let total = doubleConv(3, b) + doubleConv(b, 2 * b) + doubleConv(2 * b, 4 * b) + doubleConv(4 * b, 8 * b) + doubleConv(8 * b, 8 * b);
  total += doubleConv(16 * b, 4 * b, 8 * b) + doubleConv(8 * b, 2 * b, 4 * b) + doubleConv(4 * b, b, 2 * b) + doubleConv(2 * b, b, b);
  total += b + 1; // 1x1 logits conv
  if (config.transformer) {
    const { dModel: d, depth, mlpRatio } = config.transformer;
    const channels = 8 * b;
    const tokens = (config.height / 16) * (config.width / 16);
    const hidden = d * mlpRatio;
    const block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * hidden + hidden) + (hidden * d + d);
    total += channels * d + d + tokens * d + depth * block + 2 * d + d * channels + channels;
  }
  return total;
}

/**
 * Bytes a training step holds, roughly: weights, gradients and Adam's two moments (4 copies of the
 * parameters), plus each conv's activations kept for the backward pass (about 3 floats per output
 * element: the conv output, the BatchNorm output and the ReLU output) at full, 1/2, 1/4 ... resolution.
 */
export function estimateTrainingBytes(config: ModelConfig, batchSize: number): number {
  const b = config.base;
  const pixels = config.height * config.width;
  // channels x (1 / 4^level) for the encoder (two convs a block) and decoder (two convs a block)
  const encoder = [b, 2 * b, 4 * b, 8 * b, 8 * b].reduce((s, c, level) => s + (2 * c) / 4 ** level, 0);
  const decoder = [4 * b, 2 * b, b, b].reduce((s, c, k) => s + (2 * (c * 2)) / 4 ** (3 - k), 0);
  const activations = 3 * pixels * (encoder + decoder) * batchSize * 4;
  return estimateParams(config) * 4 * 4 + activations;
}
