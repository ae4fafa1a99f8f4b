/** U-Net building blocks on symbolic tensors, as the seed's DoubleConv / Down / Up modules. */
import * as tf from '@tensorflow/tfjs';
import { AtrousConv2D } from './atrous';
import { BilinearUpsample } from './upsample';

type Symbolic = tf.SymbolicTensor;

function conv3x3(x: Symbolic, filters: number, name: string, rate = 1): Symbolic {
  const layer =
    rate > 1 ? new AtrousConv2D({ filters, rate, name }) : tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: 'heNormal', name });
  return layer.apply(x) as Symbolic;
}

function batchNormRelu(x: Symbolic, name: string): Symbolic {
  // PyTorch's BatchNorm momentum 0.1 is Keras's 0.9; epsilon as PyTorch.
  const normed = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `${name}_bn` }).apply(x);
  return tf.layers.reLU({ name: `${name}_relu` }).apply(normed) as Symbolic;
}

/** (3x3 conv with bias -> BatchNorm -> ReLU) x 2; the first conv may be dilated. */
export function doubleConv(x: Symbolic, filters: number, name: string, mid = filters, firstRate = 1): Symbolic {
  const first = batchNormRelu(conv3x3(x, mid, `${name}_conv1`, firstRate), `${name}_1`);
  return batchNormRelu(conv3x3(first, filters, `${name}_conv2`), `${name}_2`);
}

/** 2x2 max pool, then a double conv. */
export function down(x: Symbolic, filters: number, name: string): Symbolic {
  const pooled = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(x) as Symbolic;
  return doubleConv(pooled, filters, name);
}

/** Bilinear x2 upsampling, concat [skip, upsampled], double conv with mid = in / 2. */
export function up(x: Symbolic, skip: Symbolic, filters: number, name: string): Symbolic {
  const upsampled = new BilinearUpsample({ name: `${name}_upsample` }).apply(x) as Symbolic;
  const joined = tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([skip, upsampled]) as Symbolic;
  const inChannels = joined.shape[3] as number;
  return doubleConv(joined, filters, name, inChannels / 2);
}
