/** The ONNX file's contract, refusals that name the layer, and proof that the equality check has teeth. */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPreset } from '../../model/build';
import { LAYER_TABLE, type LayerEntry } from '../layerTable';
import { transpose } from '../weightLayout';
import { checkPreset, LOGIT_TOLERANCE, MASK_AGREEMENT } from './equality.fixtures';
import { modelToOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './export';
import { decodeModel } from './proto';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const dims = (info: { type: { tensor_type: { shape: { dim: Array<Record<string, unknown>> } } } }) =>
  info.type.tensor_type.shape.dim.map((d) => d.dim_value ?? d.dim_param);

describe('modelToOnnx', () => {
  it('writes image [N, 3, H, W] -> logits [N, 1, H, W], opset 17, with the run in its metadata', async () => {
    const model = buildPreset('tiny');
    const bytes = await modelToOnnx(model, { threshold: 0.4, run: 'run 7 (best, epoch 3)' });
    model.dispose();
    const file = decodeModel(bytes);
    expect(file.ir_version).toBe(ONNX_IR_VERSION);
    expect(file.opset_import).toEqual([{ domain: '', version: ONNX_OPSET }]);
    expect(file.graph.input.map((i) => [i.name, dims(i)])).toEqual([['image', ['N', 3, 32, 48]]]);
    expect(file.graph.output.map((o) => [o.name, dims(o)])).toEqual([['logits', ['N', 1, 32, 48]]]);
    const metadata = Object.fromEntries(file.metadata_props.map((p) => [p.key, p.value]));
    expect(metadata).toMatchObject({ preset: 'tiny', input_size: '32x48', threshold: '0.4', run: 'run 7 (best, epoch 3)' });
    // NCHW throughout: the input feeds a Conv and a Conv makes the logits, with no Transpose around them.
    expect(file.graph.node.filter((n) => n.input.includes('image')).map((n) => n.op_type)).toEqual(['Conv']);
    expect(file.graph.node.find((n) => n.output.includes('logits'))?.op_type).toBe('Conv');
    // Every weight is a raw little-endian float32 initializer (int64 constants for shapes and axes).
    expect(file.graph.initializer.every((t) => t.raw_data.length > 0 && (t.data_type === 1 || t.data_type === 7))).toBe(true);

    const session = await ort.InferenceSession.create(bytes);
    expect([session.inputNames, session.outputNames]).toEqual([['image'], ['logits']]);
    await session.release();
  });

  it('maps the ViT ops as DESIGN 5b says: Resize align_corners, LayerNormalization 1e-6, Erf, Softmax', async () => {
    const model = buildPreset('tiny');
    const file = decodeModel(await modelToOnnx(model));
    model.dispose();
    const ops = new Set(file.graph.node.map((n) => n.op_type));
    for (const op of ['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Concat', 'Resize', 'MatMul', 'LayerNormalization', 'Softmax', 'Erf'])
      expect(ops).toContain(op);
    const attr = (op: string, name: string) => file.graph.node.filter((n) => n.op_type === op).map((n) => n.attribute.find((a) => a.name === name));
    expect(new Set(attr('Resize', 'coordinate_transformation_mode').map((a) => new TextDecoder().decode(a?.s)))).toEqual(new Set(['align_corners']));
    expect(new Set(attr('LayerNormalization', 'epsilon').map((a) => a?.f))).toEqual(new Set([Math.fround(1e-6)]));
    // The dilated input block: one Conv with dilations 2 and 'same' pads 2.
    const dilated = file.graph.node.filter((n) => n.op_type === 'Conv' && n.attribute.some((a) => a.name === 'dilations' && a.ints?.[0] === 2));
    expect(dilated.map((n) => n.attribute.find((a) => a.name === 'pads')?.ints)).toEqual([[2, 2, 2, 2]]);
  });

  it('refuses a layer class the table does not map, naming the layer and the class', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'feature' }).apply(input) as tf.SymbolicTensor;
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'nearest_up' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: up });
    await expect(modelToOnnx(model)).rejects.toThrow(/layer "nearest_up" is a UpSampling2D, which has no entry in the layer table/);
    model.dispose();
  });

  it('refuses an activation it does not map, naming it', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'elu', name: 'odd' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: conv });
    await expect(modelToOnnx(model)).rejects.toThrow(/Conv2D "odd": activation "elu" is not mapped/);
    model.dispose();
  });
});

describe('the equality check catches a wrong mapping', () => {
  // Each broken table differs from the real one in one entry; the tiny preset at 32x48 with seeded weights.
  const broken: Record<string, Record<string, LayerEntry>> = {
    'Resize without align_corners (half_pixel)': {
      BilinearUpsample: {
        torch: [],
        onnx(graph, call) {
          const scales = graph.float(`${call.layerName}.scales`, [4], new Float32Array([1, 1, 2, 2]));
          graph.node('Resize', [call.inputs[0]!.name, '', scales], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, call.output);
        },
      },
    },
    'a spatially transposed conv filter (kernel rows and columns swapped)': {
      Conv2D: {
        ...LAYER_TABLE.Conv2D!,
        torch: LAYER_TABLE.Conv2D!.torch.map((p) =>
          p.key === 'weight' ? { ...p, layout: { ...p.layout, toTorch: (kernel) => p.layout.toTorch(transpose(kernel, [1, 0, 2, 3])) } } : p,
        ),
      },
    },
    'BatchNorm without its moving statistics (mean 0, variance 1)': {
      BatchNormalization: {
        ...LAYER_TABLE.BatchNormalization!,
        torch: LAYER_TABLE.BatchNormalization!.torch.map((p) =>
          p.key === 'running_mean' || p.key === 'running_var'
            ? {
                ...p,
                layout: { ...p.layout, toTorch: (w) => ({ shape: w.shape, values: new Float32Array(w.values.length).fill(p.key === 'running_var' ? 1 : 0) }) },
              }
            : p,
        ),
      },
    },
  };

  it.each(Object.keys(broken))('%s: logits differ beyond the tolerance', async (what) => {
    const table = { ...LAYER_TABLE, ...broken[what] };
    const check = await checkPreset(
      () => buildPreset('tiny'),
      32,
      48,
      80,
      (model) => modelToOnnx(model, { table }),
    );
    console.log(
      `broken mapping, ${what}: largest logit error ${check.batch3.maxScaled.toFixed(3)}, masks agree on ${(100 * check.batch3.maskAgreement).toFixed(2)}%`,
    );
    expect(check.batch3.maxScaled).toBeGreaterThan(100 * LOGIT_TOLERANCE);
    expect(check.batch3.maskAgreement).toBeLessThan(MASK_AGREEMENT);
  });
});

describe('transpose', () => {
  it.each([
    [
      [2, 3],
      [1, 0],
    ],
    [
      [3, 3, 4, 5],
      [3, 2, 0, 1],
    ],
    [
      [2, 3, 4, 5, 6],
      [2, 0, 3, 1, 4],
    ],
  ])('equals tf.transpose for shape %j and perm %j', async (shape, perm) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const expected = tf.transpose(x, perm);
    const actual = transpose({ shape, values: (await x.data()) as Float32Array }, perm);
    expect(actual.shape).toEqual(expected.shape);
    expect(Array.from(actual.values)).toEqual(Array.from(await expected.data()));
    tf.dispose([x, expected]);
  });
});
