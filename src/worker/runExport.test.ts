/** The studio's export in the worker: the zip holds model.onnx, the bare ONNX file is the same bytes, and both run like the model. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { pairImage } from '../data/dataset';
import { loadModel, readModelFiles } from '../ml/io/import';
import { compare, LOGIT_TOLERANCE, ortLogits, tfjsLogits } from '../ml/io/onnx/equality.fixtures';
import { CONFIG, H, harness, until, W } from './runs.fixtures';

describe('exportRun', () => {
  it('exports latest and best as the zip (with model.onnx) and as ONNX alone, disposing everything, while training goes on', async () => {
    const { manager, of, status, session } = await harness();
    await manager.start(1, { ...CONFIG, epochs: 3 }, 'onnx run');
    const runId = of('run-started')[0].run.id;
    // While training: the ONNX file of the model as it stands comes back and the run goes on.
    await until(() => of('train-step').length >= 1, 'the first step');
    await manager.export(2, 'latest', 'onnx');
    const during = of('export-ready')[0];
    expect(during.format).toBe('onnx');
    expect(during.filename).toBe('onnx-run.onnx');
    const stepsAtExport = of('train-step').length;
    await until(() => status().includes('done'), 'the end of the run');
    expect(of('train-step').length).toBeGreaterThan(stepsAtExport);

    const tensors = tf.memory().numTensors;
    for (const which of ['latest', 'best'] as const) for (const format of ['zip', 'onnx'] as const) await manager.export(3, which, format);
    expect(tf.memory().numTensors).toBe(tensors);
    const ready = of('export-ready').slice(1);
    expect(ready.map((e) => `${e.format} ${e.filename}`)).toEqual([
      'zip onnx-run.zip',
      'onnx onnx-run.onnx',
      'zip onnx-run-best.zip',
      'onnx onnx-run-best.onnx',
    ]);

    const images = [0, 1].map((i) => Float32Array.from(pairImage(session.dataset!.result.set, i), (v) => v / 255));
    for (const [zipEvent, onnxEvent] of [ready.slice(0, 2), ready.slice(2)]) {
      const entries = unzipSync(zipEvent!.bytes);
      // The zip's model.onnx is the bare ONNX export of the same checkpoint, byte for byte.
      expect(entries['model.onnx']).toEqual(onnxEvent!.bytes);
      const runJson = JSON.parse(strFromU8(entries['run.json'])) as { exported: { which: string; epoch: number } };
      const text = strFromU8(onnxEvent!.bytes, true);
      expect(text).toContain(`onnx run, id ${runId}, ${runJson.exported.which} checkpoint, epoch ${runJson.exported.epoch}`);
      expect(text).toContain(`${H}x${W}`);

      // ONNX Runtime on the file against tfjs (cpu) on the zip's tfjs model: the same logits.
      const read = await readModelFiles([{ name: 'export.zip', bytes: zipEvent!.bytes }]);
      if (!read.ok) throw new Error(read.reason);
      const model = await loadModel(read.artifacts);
      const session = await ort.InferenceSession.create(onnxEvent!.bytes);
      try {
        const expected = await tfjsLogits(model, images, H, W);
        const { dims, data } = await ortLogits(session, images, H, W);
        expect(dims).toEqual([2, 1, H, W]);
        expect(compare(data, expected).maxAbs).toBeLessThan(LOGIT_TOLERANCE);
      } finally {
        model.dispose();
        await session.release();
      }
    }
  }, 120_000);
});
