/** Named model configurations (DESIGN.md section 2). Every preset returns logits. */

export const PRESET_NAMES = ['seed-unet', 'unet', 'transunet', 'tiny'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface TransformerConfig {
  /** Width of the token embedding. */
  dModel: number;
  /** Number of pre-norm encoder blocks. */
  depth: number;
  heads: number;
  /** Hidden width of the MLP as a multiple of dModel. */
  mlpRatio: number;
}

export interface ModelConfig {
  preset: PresetName;
  height: number;
  width: number;
  /** Channels of the first encoder block; the encoder goes base, 2b, 4b, 8b, 8b. */
  base: number;
  /** Dilation of the first conv of the input block (1 = an ordinary conv). */
  dilationRate: number;
  /** ViT bottleneck on the 1/16 feature map, or null for a plain U-Net. */
  transformer: TransformerConfig | null;
}

const PRESETS: Record<PresetName, ModelConfig> = {
  'seed-unet': { preset: 'seed-unet', height: 256, width: 256, base: 64, dilationRate: 2, transformer: null },
  unet: { preset: 'unet', height: 256, width: 256, base: 64, dilationRate: 1, transformer: null },
  transunet: {
    preset: 'transunet',
    height: 128,
    width: 192,
    base: 16,
    dilationRate: 2,
    transformer: { dModel: 128, depth: 4, heads: 4, mlpRatio: 4 },
  },
  tiny: {
    preset: 'tiny',
    height: 32,
    width: 48,
    base: 4,
    dilationRate: 2,
    transformer: { dModel: 16, depth: 1, heads: 2, mlpRatio: 4 },
  },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** How the studio names a model: "transunet", or "transunet width 8" where the width was chosen (0 or none: the preset's own). */
export function modelLabel(preset: string, base?: number): string {
  return base ? `${preset} width ${base}` : preset;
}

/** The preset's configuration, with any field overridden; throws on an unknown preset or a bad size. */
export function presetConfig(name: string, overrides: Partial<Omit<ModelConfig, 'preset'>> = {}): ModelConfig {
  if (!isPresetName(name)) {
    throw new Error(`Unknown model preset "${name}". Choose one of: ${PRESET_NAMES.join(', ')}.`);
  }
  const base = PRESETS[name];
  const config: ModelConfig = {
    ...base,
    ...overrides,
    preset: name,
    transformer: overrides.transformer === undefined ? base.transformer && { ...base.transformer } : overrides.transformer && { ...overrides.transformer },
  };
  validateConfig(config);
  return config;
}

/** Four 2x poolings need sides divisible by 16; the transformer needs dModel divisible by heads. */
export function validateConfig(config: ModelConfig): void {
  const { height, width, base, dilationRate, transformer } = config;
  for (const [side, value] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(value) || value < 16 || value % 16 !== 0) {
      throw new Error(
        `Input ${side} ${value} is not a positive multiple of 16 (the encoder halves it four times). ` + `Try ${Math.max(16, Math.round(value / 16) * 16)}.`,
      );
    }
  }
  if (!Number.isInteger(base) || base < 1) throw new Error(`Base width ${base} must be a positive integer.`);
  if (!Number.isInteger(dilationRate) || dilationRate < 1) {
    throw new Error(`Dilation rate ${dilationRate} must be a positive integer.`);
  }
  if (transformer) {
    const { dModel, depth, heads, mlpRatio } = transformer;
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`Transformer depth ${depth} must be >= 1.`);
    if (!Number.isInteger(heads) || heads < 1 || dModel % heads !== 0) {
      throw new Error(`Transformer dModel ${dModel} must be divisible by heads ${heads}.`);
    }
    if (!(mlpRatio > 0)) throw new Error(`Transformer mlpRatio ${mlpRatio} must be positive.`);
  }
}
