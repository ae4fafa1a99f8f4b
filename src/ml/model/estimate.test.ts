import { describe, expect, it } from 'vitest';
import { buildModel, countTrainableParams } from './build';
import { estimateParams, estimateTrainingBytes } from './estimate';
import { PRESET_NAMES, presetConfig } from './presets';

describe('estimateParams', () => {
  it('matches the built model for every light preset at two sizes', () => {
    for (const preset of PRESET_NAMES.filter((p) => p === 'tiny' || p === 'transunet')) {
      for (const [height, width] of [
        [32, 48],
        [64, 96],
      ]) {
        const config = presetConfig(preset, { height, width });
        const model = buildModel(config);
        expect(estimateParams(config)).toBe(countTrainableParams(model));
        model.dispose();
      }
    }
  });

  it('gives the seed notebook count for seed-unet and unet without building them', () => {
    expect(estimateParams(presetConfig('seed-unet'))).toBe(17_267_393);
    expect(estimateParams(presetConfig('unet'))).toBe(17_267_393);
  });
});

describe('estimateTrainingBytes', () => {
  it('grows linearly with the batch and covers 4 copies of the weights', () => {
    const config = presetConfig('transunet');
    const one = estimateTrainingBytes(config, 1);
    const four = estimateTrainingBytes(config, 4);
    const weights = estimateParams(config) * 16;
    expect(one).toBeGreaterThan(weights);
    expect(four - weights).toBeCloseTo(4 * (one - weights), 0);
  });
});
