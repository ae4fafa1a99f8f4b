/** `npm run export` as a user runs it: a child process on a folder `npm run train` could have written. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelToFiles } from '../ml/io/export';
import { compare, LOGIT_TOLERANCE, ortLogits, randomImage, seedWeights, tfjsLogits } from '../ml/io/onnx/equality.fixtures';
import { decodeModel } from '../ml/io/onnx/proto';
import { buildPreset } from '../ml/model/build';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

/** The CLI in a child process (tsx directly, as `npm run export` does, without npm's own start-up). */
function exportCli(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSX, 'src/cli/export.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

async function writeModelFolder(dir: string, model: tf.LayersModel, run: unknown): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const files = await modelToFiles(model);
  writeFileSync(path.join(dir, 'model.json'), files['model.json']);
  writeFileSync(path.join(dir, 'weights.bin'), files['weights.bin']);
  if (run !== undefined) writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
}

describe('npm run export', () => {
  let work = '';
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    work = mkdtempSync(path.join(tmpdir(), 'studio-export-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('converts a trained folder to an ONNX file that gives the same logits and carries the run', async () => {
    const model = buildPreset('tiny');
    seedWeights(model, 5);
    const dir = path.join(work, 'trained');
    await writeModelFolder(dir, model, {
      id: 'abc123',
      name: 'tiny on sample',
      config: { preset: 'tiny', threshold: 0.45 },
      exported: { which: 'best', epoch: 4, step: 120 },
    });
    const out = path.join(work, 'tiny.onnx');
    const result = exportCli(['--model', dir, '--format', 'onnx', '--out', out]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`wrote ${out}`);

    const bytes = new Uint8Array(readFileSync(out));
    const metadata = Object.fromEntries(decodeModel(bytes).metadata_props.map((p) => [p.key, p.value]));
    expect(metadata).toMatchObject({ preset: 'tiny', input_size: '32x48', threshold: '0.45', run: 'tiny on sample, id abc123, best checkpoint, epoch 4' });
    const images = [randomImage(32, 48, 1), randomImage(32, 48, 2)];
    const session = await ort.InferenceSession.create(bytes);
    const actual = await ortLogits(session, images, 32, 48);
    await session.release();
    const expected = await tfjsLogits(model, images, 32, 48);
    model.dispose();
    expect(compare(actual.data, expected).maxScaled).toBeLessThanOrEqual(LOGIT_TOLERANCE);
  });

  it('exits 2 naming the folder when it holds no model', () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    const result = exportCli(['--model', empty, '--format', 'onnx', '--out', path.join(work, 'x.onnx')]);
    expect(result.status, result.output).toBe(2);
    expect(result.output).toContain(`no model.json in ${empty}`);
  });

  it('exits 2 naming model.json and the layer when a foreign model holds a layer the table does not map', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'feature' }).apply(input) as tf.SymbolicTensor;
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'nearest_up' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: up });
    const dir = path.join(work, 'foreign');
    await writeModelFolder(dir, model, undefined);
    model.dispose();
    const result = exportCli(['--model', dir, '--format', 'onnx', '--out', path.join(work, 'foreign.onnx')]);
    expect(result.status, result.output).toBe(2);
    expect(result.output).toContain(path.join(dir, 'model.json'));
    expect(result.output).toMatch(/layer "nearest_up" is a UpSampling2D, which has no entry in the layer table/);
  });

  it('exits 2 naming model.json and the class when a layer class is not even a tfjs one', () => {
    const dir = path.join(work, 'custom');
    mkdirSync(dir);
    const topology = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [{ class_name: 'FancyLayer', name: 'fancy', config: { name: 'fancy' }, inbound_nodes: [] }],
        input_layers: [],
        output_layers: [],
      },
    };
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths: [], weights: [] }] }),
    );
    const result = exportCli(['--model', dir, '--format', 'onnx']);
    expect(result.status, result.output).toBe(2);
    expect(result.output).toContain(path.join(dir, 'model.json'));
    expect(result.output).toContain('unknown layer class "FancyLayer" (layer "fancy")');
  });

  it('exits 2 on a format it does not write', () => {
    const result = exportCli(['--model', work, '--format', 'tflite']);
    expect(result.status, result.output).toBe(2);
    expect(result.output).toContain('--format must be one of onnx, torch; got "tflite"');
  });
});
