import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { buildPreset } from '../model/index';
import type { EpochRecord } from '../train/config';
import { buildExportZip, exportOnnx, historyToCsv, modelToFiles, type ModelJson } from './export';

const model = buildPreset('tiny');

afterAll(() => model.dispose());

const HISTORY: EpochRecord[] = [
  {
    epoch: 1,
    step: 10,
    trainLoss: 0.5,
    valLoss: 0.25,
    dice: 0.8,
    iou: 0.75,
    precision: 0.9,
    recall: 0.85,
    accuracy: 0.95,
    learningRate: 0.001,
    seconds: 12.5,
    imagesPerSecond: 3.2,
  },
  {
    epoch: 2,
    step: 20,
    trainLoss: 0.125,
    valLoss: NaN,
    dice: 1,
    iou: 1,
    precision: 1,
    recall: 1,
    accuracy: 1,
    learningRate: 0.0005,
    seconds: 11,
    imagesPerSecond: 3.5,
  },
];

describe('historyToCsv', () => {
  it('writes the header and one row an epoch, leaving non-finite values empty', () => {
    expect(historyToCsv(HISTORY)).toBe(
      'epoch,step,trainLoss,valLoss,dice,iou,precision,recall,accuracy,learningRate,seconds,imagesPerSecond\n' +
        '1,10,0.5,0.25,0.8,0.75,0.9,0.85,0.95,0.001,12.5,3.2\n' +
        '2,20,0.125,,1,1,1,1,1,0.0005,11,3.5\n',
    );
  });

  it('writes only the header for an empty history', () => {
    expect(historyToCsv([])).toBe('epoch,step,trainLoss,valLoss,dice,iou,precision,recall,accuracy,learningRate,seconds,imagesPerSecond\n');
  });
});

describe('modelToFiles', () => {
  it('writes a model.json that tf.io expects, with every weight (BatchNorm statistics too) in weights.bin', async () => {
    const files = await modelToFiles(model);
    const json = JSON.parse(strFromU8(files['model.json'])) as ModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v/);
    expect(json.modelTopology).toEqual(model.toJSON(null, false));
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual(model.weights.map((w) => w.originalName));
    const bytes = model.weights.reduce((sum, w) => sum + (w.shape as number[]).reduce((a, b) => a * b, 1) * 4, 0);
    expect(files['weights.bin'].byteLength).toBe(bytes);
  });

  it('loads back through tf.io.http, as a page would fetch it', async () => {
    const files = await modelToFiles(model);
    const served: Record<string, Uint8Array> = { '/m/model.json': files['model.json'], '/m/weights.bin': files['weights.bin'] };
    const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
      const body = served[new URL(input instanceof Request ? input.url : input).pathname];
      return body ? new Response(body.slice()) : new Response('not found', { status: 404 });
    };
    const loaded = await tf.loadLayersModel(tf.io.http('http://studio.test/m/model.json', { fetchFunc }));
    const x = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 3);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    try {
      const [va, vb] = [await a.data(), await b.data()];
      expect(Array.from(va).reduce((worst, v, i) => Math.max(worst, Math.abs(v - vb[i])), 0)).toBeLessThan(1e-6);
    } finally {
      tf.dispose([x, a, b]);
      loaded.dispose();
    }
  });
});

describe('buildExportZip', () => {
  it('zips model.json, weights.bin, run.json, history.csv and model.onnx', async () => {
    const run = { config: { preset: 'tiny', epochs: 2, threshold: 0.4 }, name: 'unit', id: 'r1', exported: { which: 'best', epoch: 2 }, note: 'unit test' };
    const zip = await buildExportZip(model, run, HISTORY);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(['history.csv', 'model.json', 'model.onnx', 'run.json', 'weights.bin']);
    // The zip's ONNX file is the bare ONNX export of the same model and run, byte for byte, and says which run it is.
    const onnx = await exportOnnx(model, run);
    expect(entries['model.onnx']).toEqual(onnx);
    const text = strFromU8(onnx, true);
    for (const value of ['unit, id r1, best checkpoint, epoch 2', 'tiny', '0.4']) expect(text).toContain(value);
    expect(JSON.parse(strFromU8(entries['run.json']))).toEqual(run);
    expect(strFromU8(entries['history.csv'])).toBe(historyToCsv(HISTORY));
    const files = await modelToFiles(model);
    expect(entries['weights.bin']).toEqual(files['weights.bin']);
    expect(strFromU8(entries['model.json'])).toBe(strFromU8(files['model.json']));
  });
});
