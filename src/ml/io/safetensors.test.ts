import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../data/random';
import { buildPreset } from '../model/build';
import { PRESET_NAMES } from '../model/presets';
import { loadTorchTensors, modelToTorchTensors, readSafetensors, SafetensorsError, writeSafetensors } from './safetensors';
import { DENSE_LINEAR, HWIO_OIHW, SAME, type WeightArray } from './weightLayout';

/** Small sizes: the layout does not depend on them, except the position embedding's token count. */
const SIZES: Record<string, [number, number]> = { tiny: [32, 48], transunet: [32, 48], 'seed-unet': [32, 32], unet: [32, 32] };

/** Every weight replaced by seeded values, so a transposed or swapped tensor cannot pass unseen. */
function seedAll(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const values = model.weights.map((v) =>
    tf.tensor(
      Float32Array.from({ length: v.shape.reduce((a, b) => a! * b!, 1)! }, () => rng() * 2 - 1),
      v.shape as number[],
    ),
  );
  model.setWeights(values);
  tf.dispose(values);
}

async function weightsOf(model: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const v of model.weights) out.set(v.originalName, (await v.read().data()) as Float32Array);
  return out;
}

const tensor = (shape: number[], values: number[]): WeightArray => ({ shape, values: Float32Array.from(values) });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('safetensors file', () => {
  it('round-trips tensors, with the header padded to 8 bytes and the data in name order', () => {
    const tensors = new Map([
      ['b.weight', tensor([2, 3], [1, 2, 3, 4, 5, 6])],
      ['a.bias', tensor([3], [-1.5, 0, 1e-30])],
      ['c.scalar', tensor([], [42])],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { data_offsets: number[] }>;
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header['a.bias']!.data_offsets).toEqual([0, 12]);
    expect(header['b.weight']!.data_offsets).toEqual([12, 36]);
    expect(header['c.scalar']!.data_offsets).toEqual([36, 40]);
    const back = readSafetensors(bytes, 'x.safetensors');
    expect([...back.keys()].sort()).toEqual(['a.bias', 'b.weight', 'c.scalar']);
    for (const [name, t] of tensors) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(back.get(name)!.values).toEqual(t.values);
    }
  });

  it('reads a header written by hand (unsorted, unpadded, tensors in reverse order of the data)', () => {
    // Independent of the writer: bytes laid out here one by one.
    const json = '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]},"__metadata__":{"k":"v"},"b":{"shape":[1],"dtype":"F32","data_offsets":[0,4]}}';
    const head = new TextEncoder().encode(json);
    const bytes = new Uint8Array(8 + head.length + 20);
    bytes[0] = head.length & 0xff;
    bytes[1] = head.length >> 8;
    bytes.set(head, 8);
    const data = new DataView(bytes.buffer, 8 + head.length);
    [0.5, 1, 2, 3, 4].forEach((v, k) => data.setFloat32(4 * k, v, true));
    const read = readSafetensors(bytes, 'hand.safetensors');
    expect(read.get('b')).toEqual({ shape: [1], values: Float32Array.from([0.5]) });
    expect(read.get('w')).toEqual({ shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) });
    expect(read.size).toBe(2);
  });

  const good = () => writeSafetensors(new Map([['x.weight', tensor([2], [1, 2])]]));
  const withHeader = (header: object, dataBytes: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  it.each<[string, () => Uint8Array, RegExp]>([
    ['too short', () => new Uint8Array(5), /^m\.safetensors: 5 bytes is too short/],
    ['a header length past the end', () => good().slice(0, 20), /^m\.safetensors: the header length \d+ does not fit in the file's 20 bytes/],
    ['a header that is not JSON', () => withHeader({}, 0).fill(0x7b, 8), /^m\.safetensors: the header is not JSON/],
    ['truncated data', () => good().slice(0, -4), /^m\.safetensors: tensor "x\.weight" ends at byte 8 of the data, which has 4/],
    ['an unknown dtype', () => withHeader({ t: { dtype: 'F12', shape: [1], data_offsets: [0, 4] } }, 4), /^m\.safetensors: tensor "t" has dtype "F12"/],
    [
      'a dtype other than F32',
      () => withHeader({ t: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4),
      /^m\.safetensors: tensor "t" is F16; the studio reads F32 tensors only/,
    ],
    [
      'offsets that do not fit the shape',
      () => withHeader({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4),
      /^m\.safetensors: tensor "t" spans 4 bytes but F32 \[2\] needs 8/,
    ],
    ['a bad shape', () => withHeader({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /^m\.safetensors: tensor "t" has shape \[-1\]/],
    [
      'overlapping tensors',
      () => withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
      /^m\.safetensors: tensor "b" overlaps/,
    ],
    [
      'bytes after the last tensor',
      () => withHeader({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8),
      /^m\.safetensors: the data has 4 bytes after the last tensor/,
    ],
  ])('refuses %s, naming the file and the tensor', (_what, bytes, message) => {
    expect(() => readSafetensors(bytes(), 'm.safetensors')).toThrow(SafetensorsError);
    expect(() => readSafetensors(bytes(), 'm.safetensors')).toThrow(message);
  });
});

describe('layouts between tfjs and PyTorch', () => {
  it('HWIO -> OIHW puts kernel[kh, kw, i, o] at weight[o, i, kh, kw], and back', () => {
    const shape = [3, 2, 4, 5];
    const kernel = { shape, values: Float32Array.from({ length: 120 }, (_, k) => k) };
    const oihw = HWIO_OIHW.toTorch(kernel);
    expect(oihw.shape).toEqual([5, 4, 3, 2]);
    expect(HWIO_OIHW.torchShape(shape)).toEqual([5, 4, 3, 2]);
    const at = (s: number[], idx: number[]) => idx.reduce((acc, v, k) => acc * s[k]! + v, 0);
    for (const [kh, kw, i, o] of [
      [0, 0, 0, 0],
      [2, 1, 3, 4],
      [1, 0, 2, 3],
    ] as const) {
      expect(oihw.values[at([5, 4, 3, 2], [o, i, kh, kw])]).toBe(kernel.values[at(shape, [kh, kw, i, o])]);
    }
    expect(HWIO_OIHW.fromTorch(oihw)).toEqual(kernel);
  });

  it('Dense [in, out] -> Linear [out, in], and back; SAME is the identity', () => {
    const kernel = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(DENSE_LINEAR.toTorch(kernel)).toEqual(tensor([3, 2], [1, 4, 2, 5, 3, 6]));
    expect(DENSE_LINEAR.fromTorch(DENSE_LINEAR.toTorch(kernel))).toEqual(kernel);
    expect(SAME.fromTorch(SAME.toTorch(kernel))).toBe(kernel);
  });
});

describe('a model through safetensors', () => {
  it.each(PRESET_NAMES)('%s: tfjs -> safetensors -> a fresh model gives identical weights', async (preset) => {
    const [height, width] = SIZES[preset]!;
    const source = buildPreset(preset, { height, width });
    const fresh = buildPreset(preset, { height, width });
    try {
      seedAll(source, 3);
      seedAll(fresh, 4);
      const tensors = await modelToTorchTensors(source);
      // Every trainable weight and both BatchNorm statistics travel; num_batches_tracked does not.
      expect(tensors.size).toBe(source.weights.length);
      expect([...tensors.keys()].some((n) => n.endsWith('num_batches_tracked'))).toBe(false);
      const bytes = writeSafetensors(tensors);
      loadTorchTensors(fresh, readSafetensors(bytes, 'model.safetensors'), 'model.safetensors');
      const [want, got] = [await weightsOf(source), await weightsOf(fresh)];
      expect([...got.keys()]).toEqual([...want.keys()]);
      // Bit for bit; a loop, since a deep equality over seed-unet's 17M values takes minutes.
      const differ = [...want].filter(([name, values]) => {
        const other = got.get(name)!;
        return other.length !== values.length || values.some((v, k) => !Object.is(v, other[k]));
      });
      expect(differ.map(([name]) => name)).toEqual([]);
    } finally {
      source.dispose();
      fresh.dispose();
    }
  });

  it('names the PyTorch keys of the layer table: OIHW conv weights, BatchNorm running statistics, the position embedding, Linear [out, in]', async () => {
    const model = buildPreset('tiny', { height: 32, width: 48 });
    try {
      const tensors = await modelToTorchTensors(model);
      const conv = model.layers.find((l) => l.getClassName() === 'Conv2D')!;
      const [kh, kw, cin, cout] = conv.weights[0]!.shape as number[];
      expect(tensors.get(`${conv.name}.weight`)!.shape).toEqual([cout, cin, kh, kw]);
      const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
      expect([...tensors.keys()].filter((n) => n.startsWith(`${bn.name}.`)).sort()).toEqual(
        ['bias', 'running_mean', 'running_var', 'weight'].map((k) => `${bn.name}.${k}`),
      );
      const pos = model.layers.find((l) => l.getClassName() === 'PositionEmbedding')!;
      expect(tensors.has(`${pos.name}.position`)).toBe(true);
      const block = model.layers.find((l) => l.getClassName() === 'TransformerBlock')!;
      const d = 16;
      expect(tensors.get(`${block.name}.qkv.weight`)!.shape).toEqual([3 * d, d]);
      expect(tensors.get(`${block.name}.mlp1.weight`)!.shape).toEqual([4 * d, d]);
    } finally {
      model.dispose();
    }
  });

  describe('refusals name the file and the tensor, and set nothing', () => {
    let tensors: Map<string, WeightArray>;
    let model: tf.LayersModel;
    let before: Map<string, Float32Array>;
    beforeAll(async () => {
      const source = buildPreset('tiny', { height: 32, width: 48 });
      seedAll(source, 5);
      tensors = await modelToTorchTensors(source);
      source.dispose();
      model = buildPreset('tiny', { height: 32, width: 48 });
      before = await weightsOf(model);
    });
    const conv = () => [...tensors.keys()].find((n) => n.endsWith('.weight') && tensors.get(n)!.shape.length === 4)!;

    it.each<[string, (t: Map<string, WeightArray>) => void, (name: string) => RegExp]>([
      [
        'a missing tensor',
        (t) => t.delete(conv()),
        (n) => new RegExp(`^run/model\\.safetensors: tensor "${n.replace('.', '\\.')}" is missing \\(the model needs it as \\[\\d+, \\d+, 3, 3\\]\\)`),
      ],
      [
        'an extra tensor',
        (t) => t.set('decoder.extra', tensor([1], [0])),
        () => /^run\/model\.safetensors: tensor "decoder\.extra" is not a weight of this model/,
      ],
      [
        'a mis-shaped tensor (HWIO left as it was)',
        (t) => t.set(conv(), { ...t.get(conv())!, shape: [...t.get(conv())!.shape].reverse() }),
        (n) => new RegExp(`^run/model\\.safetensors: tensor "${n.replace('.', '\\.')}" is \\[3, 3, \\d+, \\d+\\] but the model needs \\[\\d+, \\d+, 3, 3\\]`),
      ],
    ])('%s', async (_what, spoil, message) => {
      const spoilt = new Map(tensors);
      spoil(spoilt);
      expect(() => loadTorchTensors(model, spoilt, 'run/model.safetensors')).toThrow(message(conv()));
      expect(await weightsOf(model)).toEqual(before);
    });
  });
});
