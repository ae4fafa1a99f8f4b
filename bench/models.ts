/** The bench's model names and the studio configuration each stands for. */
import type { BenchModel } from '../src/cli/args';
import { presetConfig, type ModelConfig, type PresetName } from '../src/ml/model/presets';

export type { BenchModel };

const MODELS: Record<BenchModel, { preset: PresetName; base?: number }> = {
  tiny: { preset: 'tiny' },
  transunet: { preset: 'transunet' },
  // The "seed-unet (base 16)": the seed's architecture (dilated input block, no transformer), narrower.
  'seed-unet16': { preset: 'seed-unet', base: 16 },
};

export function benchModel(name: BenchModel): { preset: PresetName; base?: number } {
  return MODELS[name];
}

export function benchModelConfig(name: BenchModel, height: number, width: number): ModelConfig {
  const { preset, base } = MODELS[name];
  return presetConfig(preset, { height, width, ...(base !== undefined && { base }) });
}
