/** ONNX Runtime against tfjs (cpu) for the ViT presets: logits within 1e-4, masks at 0.5 on >= 99.99% of pixels. */
import { describeOnnxEquality } from './equality.fixtures';

describeOnnxEquality([
  ['tiny', 32, 48],
  ['tiny', 64, 96],
  ['transunet', 64, 96],
  ['transunet', 128, 192],
]);
