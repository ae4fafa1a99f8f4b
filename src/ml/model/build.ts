/** Preset -> tf.LayersModel. The model maps [B, H, W, 3] images in [0, 1] to [B, H, W, 1] logits. */
import * as tf from '@tensorflow/tfjs';
import { doubleConv, down, up } from './parts';
import { presetConfig, validateConfig, type ModelConfig } from './presets';
import { vitBottleneck } from './transformer';

export function buildModel(config: ModelConfig): tf.LayersModel {
  validateConfig(config);
  const { height, width, base, dilationRate, transformer } = config;
  const input = tf.input({ shape: [height, width, 3], name: 'image' });

  const x1 = doubleConv(input, base, 'inc', base, dilationRate);
  const x2 = down(x1, base * 2, 'down1');
  const x3 = down(x2, base * 4, 'down2');
  const x4 = down(x3, base * 8, 'down3');
  let x5 = down(x4, base * 8, 'down4');
  if (transformer) x5 = vitBottleneck(x5, transformer);

  let y = up(x5, x4, base * 4, 'up1');
  y = up(y, x3, base * 2, 'up2');
  y = up(y, x2, base, 'up3');
  y = up(y, x1, base, 'up4');
  const logits = tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'logits' }).apply(y) as tf.SymbolicTensor;

  return tf.model({ inputs: input, outputs: logits, name: config.preset });
}

/** Builds a named preset, optionally at another size. */
export function buildPreset(name: string, overrides: Partial<Omit<ModelConfig, 'preset'>> = {}): tf.LayersModel {
  return buildModel(presetConfig(name, overrides));
}

/** Trainable parameters, as PyTorch counts them (tfjs's countParams also counts BatchNorm's moving statistics). */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
