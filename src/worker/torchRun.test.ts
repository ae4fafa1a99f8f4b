/** The PyTorch job out of the worker and its RUN back in: real training (tiny, cpu), IndexedDB from fake-indexeddb. */
import 'fake-indexeddb/auto';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sequentialBatches } from '../data/batches';
import { splitView } from '../data/dataset';
import { historyToCsv } from '../ml/io/export';
import { readSafetensors, writeSafetensors } from '../ml/io/safetensors';
import type { StudioJson } from '../ml/io/torchJob';
import { evaluate } from '../ml/train/evaluate';
import { openStudioDb } from './persistence';
import { CONFIG, harness, until } from './runs.fixtures';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function listedRunIds(): Promise<string[]> {
  const db = await openStudioDb();
  try {
    return (await db.listRuns()).map((r) => r.id).sort();
  } finally {
    db.close();
  }
}

describe('a run to PyTorch and back', () => {
  it('exports the job from the worker, takes the RUN back with its history, opens and tests it on its own split; refusals touch nothing', async () => {
    const first = await harness();
    await first.manager.start(1, CONFIG, 'to torch');
    await until(() => first.status().includes('done'), 'the first run');
    await first.manager.export(2, 'latest', 'torch');
    const ready = first.of('export-ready')[0]!;
    expect(ready.format).toBe('torch');
    expect(ready.filename).toBe('to-torch-pytorch-job.zip');
    const job = unzipSync(ready.bytes);
    // The Python files travel bundled in the page's code (Vite's ?raw imports).
    expect(Object.keys(job)).toEqual(expect.arrayContaining(['train.py', 'studio_torch/models.py', 'model.safetensors', 'studio.json', 'README.md']));
    expect(text(job['train.py']!)).toContain('torchrun');
    const studio = JSON.parse(text(job['studio.json']!)) as StudioJson;
    const split = first.session.dataset!.splitSummary;
    expect(studio.split.test.groups).toEqual(split.test.groups);
    expect(studio.history.map((e) => e.origin)).toEqual(['studio', 'studio']);

    // What the cluster sends back: one more epoch, origin torch, and weights it changed.
    const tensors = readSafetensors(job['model.safetensors']!, 'model.safetensors');
    const [convName, conv] = [...tensors].find(([, t]) => t.shape.length === 4)!;
    tensors.set(convName, { shape: conv.shape, values: conv.values.map((v) => v * 0.5) });
    studio.history.push({ ...studio.history[1]!, epoch: 3, step: studio.history[1]!.step + 3, dice: 0.99, origin: 'torch' });
    studio.config.epochs = 3;
    const run = {
      'model.safetensors': writeSafetensors(tensors),
      'studio.json': encode(studio),
      'history.csv': new TextEncoder().encode(historyToCsv(studio.history)),
    };

    // Another page with the same data: refusals first, then the RUN as a zip.
    const second = await harness();
    const before = await listedRunIds();
    const spoilt = (edit: (s: Record<string, unknown>, t: Map<string, { shape: number[]; values: Float32Array }>) => void) => {
      const s = JSON.parse(text(run['studio.json'])) as Record<string, unknown>;
      const t = readSafetensors(run['model.safetensors'], 'x');
      edit(s, t);
      return [
        { name: 'RUN/studio.json', bytes: encode(s).buffer as ArrayBuffer },
        { name: 'RUN/model.safetensors', bytes: writeSafetensors(t).buffer as ArrayBuffer },
      ];
    };
    await expect(
      second.manager.import(
        1,
        spoilt((s) => (s.version = 2)),
      ),
    ).rejects.toThrow(/^Import refused: studio\.json: version 2 is from another version of the studio/);
    await expect(
      second.manager.import(
        2,
        spoilt((_s, t) => t.set('extra.weight', { shape: [1], values: new Float32Array(1) })),
      ),
    ).rejects.toThrow(/^Import refused: model\.safetensors: tensor "extra\.weight" is not a weight of this model/);
    await expect(
      second.manager.import(
        3,
        spoilt((_s, t) => t.delete(convName)),
      ),
    ).rejects.toThrow(`model.safetensors: tensor "${convName}" is missing`);
    await expect(
      second.manager.import(
        4,
        spoilt((s) => ((s.config as Record<string, unknown>).height = 32)),
      ),
    ).rejects.toThrow(/^Import refused: studio\.json does not fit the model: config's size 32x32 is not its 16x32/);
    expect(await listedRunIds()).toEqual(before);
    expect(second.of('runs')).toHaveLength(0);
    expect(second.manager.importedModel).toBeNull();

    const zip = zipSync({ RUN: { 'model.safetensors': run['model.safetensors'], 'studio.json': run['studio.json'], 'history.csv': run['history.csv'] } });
    await second.manager.import(5, [{ name: 'RUN.zip', bytes: zip.buffer as ArrayBuffer }]);
    const listed = second
      .of('runs')
      .at(-1)!
      .runs.find((r) => r.name === 'to torch (PyTorch)')!;
    expect(listed.history.map((e) => `${e.epoch}:${e.origin}`)).toEqual(['1:studio', '2:studio', '3:torch']);
    expect(listed.split!.test.groups).toEqual(split.test.groups);
    expect(listed.best).toEqual({ epoch: 3, dice: 0.99 });
    expect(await listedRunIds()).toEqual([...before, listed.id].sort());
    expect(second.of('imported')[0]!.message).toMatch(
      /Imported a PyTorch run: tiny for 16x32 images .* "to torch \(PyTorch\)" is in the runs list with its 3 epochs \(epochs 3-3 on PyTorch\)/,
    );

    // The imported model is the cluster's: the changed conv weight is in it.
    const imported = second.manager.importedModel!;
    const layer = imported.getLayer(convName.slice(0, convName.lastIndexOf('.')));
    const kernel = (await layer.getWeights()[0]!.data()) as Float32Array;
    expect(kernel[0]).toBeCloseTo(conv.values[0]! * 0.5, 6);

    // It opened on the loaded data and scored its own test split with that model.
    await until(() => second.of('test-result').length > 0, 'the test of the imported run');
    const started = second.of('run-started')[0]!;
    expect(started.run.id).toBe(listed.id);
    expect(started.run.history).toHaveLength(3);
    const result = second.of('test-result')[0]!;
    expect(result.runId).toBe(listed.id);
    const loaded = second.session.dataset!;
    const own = await evaluate(imported, sequentialBatches(splitView(loaded.result.set, loaded.indices.test), CONFIG.batchSize), CONFIG.loss, CONFIG.threshold);
    expect(Math.abs(result.result.mean.dice - own.mean.dice)).toBeLessThan(1e-6);
    await until(() => second.status().includes('done'), 'the imported run to settle');
    expect(second.of('train-step')).toHaveLength(0);
  }, 120_000);
});
