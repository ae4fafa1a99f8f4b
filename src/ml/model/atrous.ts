/**
 * A dilated ("atrous") 2-D convolution that has gradients in tfjs 4.22.
 *
 * tfjs's own `conv2d(..., dilations)` throws in its gradient for rates > 1, so this computes the
 * same thing the way TensorFlow's `atrous_conv2d` does: spaceToBatchND -> ordinary 'valid' conv
 * -> batchToSpaceND. All three ops have gradients and kernels on webgpu, webgl, wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs';

/** Paddings and crops for 'same' output with an odd kernel at `rate` (TF's required_space_to_batch_paddings). */
export function atrousPaddings(size: number, kernelSize: number, rate: number): { pad: [number, number]; crop: [number, number] } {
  const half = (rate * (kernelSize - 1)) / 2;
  const padded = size + 2 * half;
  const extra = (rate - (padded % rate)) % rate;
  return { pad: [half, half + extra], crop: [0, extra] };
}

/** Dilated 'same' conv of an NHWC tensor with an HWIO filter; equals tf.conv2d with `dilations: rate`. */
export function atrousConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, rate: number): tf.Tensor4D {
  if (rate === 1) return tf.conv2d(x, filter, 1, 'same');
  return tf.tidy(() => {
    const kernelSize = filter.shape[0];
    const rows = atrousPaddings(x.shape[1], kernelSize, rate);
    const cols = atrousPaddings(x.shape[2], kernelSize, rate);
    const spread = tf.spaceToBatchND(x, [rate, rate], [rows.pad, cols.pad]);
    const convolved = tf.conv2d(spread as tf.Tensor4D, filter, 1, 'valid');
    return tf.batchToSpaceND(convolved, [rate, rate], [rows.crop, cols.crop]) as tf.Tensor4D;
  });
}

export interface AtrousConv2DArgs {
  filters: number;
  kernelSize?: number;
  rate: number;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
}

/** Serialisable Layers wrapper of `atrousConv2d` with an optional bias. */
export class AtrousConv2D extends tf.layers.Layer {
  static className = 'AtrousConv2D';
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly rate: number;
  private readonly useBias: boolean;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  constructor(args: AtrousConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? 3;
    this.rate = args.rate;
    this.useBias = args.useBias ?? true;
    if (this.kernelSize % 2 !== 1) throw new Error(`AtrousConv2D needs an odd kernel size, got ${this.kernelSize}.`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inChannels = shape[shape.length - 1] as number;
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, inChannels, this.filters], 'float32', tf.initializers.heNormal({}));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const y = atrousConv2d(x, this.kernel.read() as tf.Tensor4D, this.rate);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      rate: this.rate,
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(AtrousConv2D);
