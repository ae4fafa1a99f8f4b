import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildPreset, countTrainableParams } from './build';
import { estimateParams } from './estimate';
import { PRESET_NAMES, presetConfig } from './presets';
import './index';

describe('presets', () => {
  // Real forward passes on the cpu backend, at two sizes each (small, so seed-unet's 17M parameters stay quick).
  const sizes: Array<[number, number]> = [
    [32, 48],
    [48, 32],
  ];
  it.each(PRESET_NAMES.flatMap((preset) => sizes.map(([h, w]) => [preset, h, w] as const)))(
    '%s at %ix%i maps [2, H, W, 3] images to [2, H, W, 1] logits',
    (preset, height, width) => {
      const model = buildPreset(preset, { height, width });
      const y = tf.tidy(() => model.predict(tf.randomUniform([2, height, width, 3])) as tf.Tensor);
      expect(y.shape).toEqual([2, height, width, 1]);
      // logits are unbounded; a sigmoid output would sit inside (0, 1)
      expect(model.layers[model.layers.length - 1].getConfig().activation).toBe('linear');
      tf.dispose(y);
      model.dispose();
    },
  );

  it('seed-unet has the seed notebook parameter count', () => {
    const model = buildPreset('seed-unet', { height: 32, width: 32 });
    expect(countTrainableParams(model)).toBe(17_267_393); // PyTorch's count
    expect(model.countParams()).toBe(17_276_225); // plus BatchNorm moving mean and variance (8,832)
    model.dispose();
  });

  it("a preset narrowed by `base` matches PyTorch and the estimate (the bench's seed-unet16)", () => {
    const model = buildPreset('seed-unet', { height: 32, width: 48, base: 16 });
    // bench/reference/train_torch.py's Net('seed-unet16', ...): sum of p.numel() over its parameters.
    expect(countTrainableParams(model)).toBe(1_082_033);
    expect(estimateParams(presetConfig('seed-unet', { height: 32, width: 48, base: 16 }))).toBe(1_082_033);
    model.dispose();
  });

  it('unet is seed-unet without dilation, and the default sizes are as designed', () => {
    expect(presetConfig('unet').dilationRate).toBe(1);
    expect(presetConfig('seed-unet').dilationRate).toBe(2);
    expect([presetConfig('seed-unet').height, presetConfig('seed-unet').width]).toEqual([256, 256]);
    expect([presetConfig('transunet').height, presetConfig('transunet').width]).toEqual([128, 192]);
    expect([presetConfig('tiny').height, presetConfig('tiny').width]).toEqual([32, 48]);
    expect(presetConfig('transunet').transformer).toEqual({ dModel: 128, depth: 4, heads: 4, mlpRatio: 4 });
    expect(presetConfig('tiny')).toMatchObject({ base: 4, transformer: { depth: 1 } });
  });

  it('transunet has a ViT bottleneck with the configured depth', () => {
    const model = buildPreset('transunet', { height: 32, width: 48 });
    const blocks = model.layers.filter((l) => l.getClassName() === 'TransformerBlock');
    expect(blocks).toHaveLength(4);
    const position = model.layers.find((l) => l.getClassName() === 'PositionEmbedding');
    expect(position?.getWeights()[0].shape).toEqual([2 * 3, 128]); // (32/16) x (48/16) tokens
    model.dispose();
  });

  it('throws clear errors for an unknown preset and a bad size', () => {
    expect(() => buildPreset('resnet')).toThrow(/Unknown model preset "resnet".*seed-unet, unet, transunet, tiny/);
    expect(() => buildPreset('tiny', { height: 40, width: 48 })).toThrow(/height 40 is not a positive multiple of 16.*Try 48/);
    expect(() => buildPreset('tiny', { height: 32, width: 0 })).toThrow(/width 0/);
    expect(() => presetConfig('tiny', { transformer: { dModel: 10, depth: 1, heads: 4, mlpRatio: 4 } })).toThrow(/divisible by heads/);
  });
});

describe('serialisation', () => {
  it('a model saved to memory and loaded again gives the same outputs', async () => {
    const model = buildPreset('tiny');
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(saved?.weightData).toBeDefined();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 7);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    const [da, db] = [await a.data(), await b.data()];
    let worst = 0;
    for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i] - db[i]));
    expect(worst).toBeLessThan(1e-6);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
