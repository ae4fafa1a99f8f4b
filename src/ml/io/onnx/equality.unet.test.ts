/** ONNX Runtime against tfjs (cpu) for the plain U-Net presets (17M parameters: their smallest sizes that are multiples of 16): logits within 1e-4, masks at 0.5 on >= 99.99% of pixels. */
import { describeOnnxEquality } from './equality.fixtures';

describeOnnxEquality([
  ['seed-unet', 32, 32],
  ['seed-unet', 32, 48],
  ['unet', 32, 32],
  ['unet', 32, 48],
]);
