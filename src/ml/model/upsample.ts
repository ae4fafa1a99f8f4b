/** Bilinear x2 upsampling with align_corners=True, as the seed's nn.Upsample (tfjs's UpSampling2D cannot align corners). */
import * as tf from '@tensorflow/tfjs';

export class BilinearUpsample extends tf.layers.Layer {
  static className = 'BilinearUpsample';
  private readonly factor: number;

  constructor(args: { factor?: number; name?: string } = {}) {
    super(args);
    this.factor = args.factor ?? 2;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, h, w, c] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [batch, h == null ? null : h * this.factor, w == null ? null : w * this.factor, c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.image.resizeBilinear(x, [x.shape[1] * this.factor, x.shape[2] * this.factor], true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(BilinearUpsample);
