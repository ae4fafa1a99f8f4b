/** ONNX Runtime against tfjs (cpu) for the plain U-Net presets (17M parameters: their smallest sizes that are multiples of 16): logits within 1e-4, masks at 0.5 on >= 99.99% of pixels. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPreset } from '../../model/build';
import { checkPreset, expectEqual } from './equality.fixtures';
import { modelToOnnx } from './export';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe.each([
  ['seed-unet', 32, 32],
  ['seed-unet', 32, 48],
  ['unet', 32, 32],
  ['unet', 32, 48],
] as const)('ONNX export of %s at %dx%d', (preset, height, width) => {
  it("gives tfjs's logits in ONNX Runtime at batch 3 and 1, on random input and photos", async () => {
    const check = await checkPreset(
      () => buildPreset(preset, { height, width }),
      height,
      width,
      height + width,
      (m) => modelToOnnx(m),
    );
    expectEqual(check, height, width);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });
});
