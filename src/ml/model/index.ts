/**
 * Importing this module registers the studio's custom layers, so `tf.loadLayersModel` can load
 * an exported model in any page that imports it.
 */
export { AtrousConv2D, atrousConv2d } from './atrous';
export { BilinearUpsample } from './upsample';
export { PositionEmbedding, TransformerBlock } from './transformer';
export { buildModel, buildPreset, countTrainableParams } from './build';
export { PRESET_NAMES, isPresetName, modelLabel, presetConfig, type ModelConfig, type PresetName } from './presets';
