import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { buildPreset } from '../model/index';
import { buildExportZip, modelToFiles, type ModelJson } from './export';
import { formatBytes, loadModel, readModelFiles, type ImportFile, type ImportLimits } from './import';

const MiB = 1024 * 1024;
const RUN = { config: { preset: 'tiny', height: 32, width: 48 }, finished: true };

const model = buildPreset('tiny');
let exported: { 'model.json': Uint8Array; 'weights.bin': Uint8Array };
let zip: Uint8Array;

beforeAll(async () => {
  exported = await modelToFiles(model);
  zip = await buildExportZip(model, RUN, []);
});

afterAll(() => model.dispose());

/** A fresh, editable copy of the exported model.json. */
const modelJson = (): ModelJson & Record<string, unknown> => JSON.parse(strFromU8(exported['model.json']));
const encode = (value: unknown): Uint8Array => strToU8(JSON.stringify(value));
const layersOf = (json: ModelJson) =>
  (json.modelTopology as { config: { layers: Array<{ class_name: string; name: string; config: Record<string, unknown> }> } }).config.layers;

/** The exported pair as chosen files, with some replaced (or removed with null). */
function loose(overrides: Record<string, Uint8Array | null> = {}): ImportFile[] {
  const all: Record<string, Uint8Array | null> = { ...exported, ...overrides };
  return Object.entries(all).flatMap(([name, bytes]) => (bytes ? [{ name, bytes }] : []));
}

function edited(edit: (json: ModelJson & Record<string, unknown>) => void): ImportFile[] {
  const json = modelJson();
  edit(json);
  return loose({ 'model.json': encode(json) });
}

async function predictDiff(a: tf.LayersModel, b: tf.LayersModel): Promise<number> {
  const x = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 11);
  const [ya, yb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  try {
    const [va, vb] = [await ya.data(), await yb.data()];
    return Array.from(va).reduce((worst, v, i) => Math.max(worst, Math.abs(v - vb[i])), 0);
  } finally {
    tf.dispose([x, ya, yb]);
  }
}

describe('readModelFiles: the good path', () => {
  it('export -> zip -> readModelFiles -> loadModel predicts as the original', async () => {
    const result = await readModelFiles([{ name: 'model.zip', bytes: zip }]);
    if (!result.ok) throw new Error(result.reason);
    expect(result.run).toEqual(RUN);
    const before = tf.memory().numTensors;
    const loaded = await loadModel(result.artifacts);
    try {
      expect(await predictDiff(model, loaded)).toBeLessThan(1e-6);
    } finally {
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts loose files, a renamed model.json and a zip with a folder inside', async () => {
    const renamed = await readModelFiles([
      { name: 'carvana-model.json', bytes: exported['model.json'] },
      { name: 'weights.bin', bytes: exported['weights.bin'] },
    ]);
    expect(renamed).toMatchObject({ ok: true, run: null });
    const nested = zipSync({ 'export/model.json': exported['model.json'], 'export/weights.bin': exported['weights.bin'], 'export/run.json': encode(RUN) });
    expect(await readModelFiles([{ name: 'nested.zip', bytes: nested }])).toMatchObject({ ok: true, run: RUN });
  });

  it("leaves the export zip's model.onnx packed: it does not count against the import limit", async () => {
    const onnx = new Uint8Array(2 * MiB); // zeros: a few KiB packed, 2 MiB unpacked
    const zip = zipSync({ 'model.json': exported['model.json'], 'weights.bin': exported['weights.bin'], 'model.onnx': onnx }, { level: 9 });
    const limit = exported['model.json'].length + exported['weights.bin'].length + 1024;
    expect(await readModelFiles([{ name: 'export.zip', bytes: zip }], { maxBytes: limit })).toMatchObject({ ok: true });
  });
});

interface BadCase {
  what: string;
  files: () => ImportFile[];
  limits?: ImportLimits;
  reason: string | RegExp;
}

const CORPUS: BadCase[] = [
  { what: 'no files', files: () => [], reason: /^no files were chosen/ },
  {
    what: 'a zip over the size limit',
    files: () => [{ name: 'model.zip', bytes: zip }],
    limits: { maxBytes: 1000 },
    reason: /^model\.zip is [\d.]+ KiB, over the 1000 B import limit$/,
  },
  {
    what: 'loose files over the size limit',
    files: () => loose(),
    limits: { maxBytes: 10 * 1024 },
    reason: /^the 2 chosen files are [\d.]+ KiB, over the 10 KiB import limit$/,
  },
  {
    what: 'a small zip that unpacks past the limit',
    files: () => [{ name: 'bomb.zip', bytes: zipSync({ 'weights.bin': new Uint8Array(2 * MiB) }, { level: 9 }) }],
    limits: { maxBytes: MiB },
    reason: 'bomb.zip unpacks to 2.0 MiB, over the 1 MiB import limit',
  },
  {
    what: 'a .zip that is not a zip',
    files: () => [{ name: 'model.zip', bytes: strToU8('no zip here, only text') }],
    reason: /^model\.zip could not be unzipped: .+/,
  },
  {
    what: 'a zip without model.json',
    files: () => [{ name: 'model.zip', bytes: zipSync({ 'weights.bin': exported['weights.bin'] }) }],
    reason: /^model\.json is missing from model\.zip/,
  },
  { what: 'weights without model.json', files: () => loose({ 'model.json': null }), reason: /^model\.json is missing/ },
  { what: 'a zip and loose files', files: () => [{ name: 'model.zip', bytes: zip }, ...loose()], reason: /^choose either one \.zip or model\.json/ },
  {
    what: 'two files with one name',
    files: () => [{ name: 'm.zip', bytes: zipSync({ 'a/model.json': exported['model.json'], 'b/model.json': exported['model.json'] }) }],
    reason: 'two files are named model.json (a/model.json and b/model.json): keep one',
  },
  {
    what: 'model.json not JSON',
    files: () => loose({ 'model.json': strToU8('this is not json') }),
    reason: /^model\.json is not valid JSON: Unexpected token/,
  },
  { what: 'model.json an array', files: () => loose({ 'model.json': encode([1, 2]) }), reason: 'model.json is not a tfjs model: it holds no JSON object' },
  { what: 'a graph model', files: () => edited((j) => (j.format = 'graph-model')), reason: /^model\.json is a "graph-model", not a "layers-model"/ },
  { what: 'no modelTopology', files: () => edited((j) => delete (j as Record<string, unknown>).modelTopology), reason: /^model\.json has no modelTopology/ },
  {
    what: 'no weightsManifest',
    files: () => edited((j) => delete (j as Record<string, unknown>).weightsManifest),
    reason: /^model\.json has no weightsManifest/,
  },
  {
    what: 'a malformed manifest',
    files: () => edited((j) => ((j.weightsManifest[0].weights[2] as unknown as { shape: unknown }).shape = 'big')),
    reason: /^model\.json: weightsManifest group 0 is malformed/,
  },
  {
    what: 'an unknown layer class',
    files: () =>
      edited((j) => {
        const layer = layersOf(j).find((l) => l.name === 'down1_conv1')!;
        layer.class_name = 'FancyLayer';
      }),
    reason: /^model\.json: unknown layer class "FancyLayer" \(layer "down1_conv1"\)/,
  },
  { what: 'missing weights', files: () => loose({ 'weights.bin': null }), reason: 'weights.bin listed in model.json is missing' },
  {
    what: 'truncated weights',
    files: () => loose({ 'weights.bin': exported['weights.bin'].slice(0, 1000) }),
    reason: /^weights\.bin has 1000 bytes, the manifest needs (\d+) \(truncated or the wrong file\)$/,
  },
  {
    what: 'a weights file 4 bytes too long',
    files: () => loose({ 'weights.bin': new Uint8Array(exported['weights.bin'].byteLength + 4) }),
    reason: /^weights\.bin has \d+ bytes, the manifest needs \d+ \(truncated or the wrong file\)$/,
  },
  { what: 'run.json not JSON', files: () => [...loose(), { name: 'run.json', bytes: strToU8('{"epochs": ') }], reason: /^run\.json is not valid JSON: / },
];

describe('readModelFiles: a corpus of bad files', () => {
  it.each(CORPUS)('refuses $what', async ({ files, limits, reason }) => {
    const result = await readModelFiles(files(), limits);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('states the needed size of truncated weights exactly', async () => {
    const result = await readModelFiles(loose({ 'weights.bin': exported['weights.bin'].slice(0, 1000) }));
    expect(result).toEqual({
      ok: false,
      reason: `weights.bin has 1000 bytes, the manifest needs ${exported['weights.bin'].byteLength} (truncated or the wrong file)`,
    });
  });

  it('formats sizes as the limit message shows them', () => {
    expect(`${formatBytes(300 * MiB)}, over the ${formatBytes(256 * MiB, true)}`).toBe('300.0 MiB, over the 256 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(900, true)).toBe('900 B');
  });
});

describe('loadModel: files that pass the checks but do not fit the model', () => {
  async function loadFails(files: ImportFile[]): Promise<string> {
    const result = await readModelFiles(files);
    if (!result.ok) throw new Error(`expected the checks to pass, got: ${result.reason}`);
    const before = tf.memory().numTensors;
    const loaded = await loadModel(result.artifacts).then(
      (m) => (m.dispose(), null),
      (error: Error) => error.message,
    );
    expect(loaded).not.toBeNull();
    expect(tf.memory().numTensors).toBe(before); // the half-built model is disposed
    return loaded!;
  }

  it('a manifest shape permuted (same byte count)', async () => {
    const message = await loadFails(edited((j) => (j.weightsManifest[0].weights[0].shape = [3, 3, 4, 3])));
    expect(message).toBe('the weights do not fit the model: weight "inc_conv1/kernel" is [3,3,4,3] in the file but the model needs [3,3,3,4]');
  });

  it('a topology whose layer is wider than its weights', async () => {
    const message = await loadFails(
      edited((j) => {
        layersOf(j).find((l) => l.name === 'logits')!.config.filters = 2;
      }),
    );
    expect(message).toBe('the weights do not fit the model: weight "logits/kernel" is [1,1,4,1] in the file but the model needs [1,1,4,2]');
  });

  it('a topology tfjs cannot build', async () => {
    const result = await readModelFiles(edited((j) => (layersOf(j).find((l) => l.name === 'logits')!.config.kernel_size = 'wide')));
    if (!result.ok) throw new Error(result.reason);
    await expect(loadModel(result.artifacts)).rejects.toThrow(/^the model in model\.json cannot be built: .+/);
  });
});
