/**
 * A RUN folder (what a PyTorch job writes: model.safetensors, studio.json, history.csv) for the CLI:
 * read and checked in Node on tfjs's cpu backend, as the studio's model. Bad files exit 2 with the
 * folder, the file and the tensor named.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelToFiles } from '../ml/io/export';
import { SafetensorsError } from '../ml/io/safetensors';
import { readTorchRun, RUN_FILE_NAMES, TorchRunError, WEIGHTS_NAME, type TorchRun } from '../ml/io/torchJob';
import { UsageError } from './args';
import type { ModelFiles } from './files';

/** A folder holding model.safetensors (a RUN, or a job: both carry studio.json with it). */
export function isRunFolder(model: string): boolean {
  const resolved = path.resolve(model);
  return existsSync(resolved) && statSync(resolved).isDirectory() && existsSync(path.join(resolved, WEIGHTS_NAME));
}

/** tfjs on its cpu backend in Node (PROD quiets the banner recommending tfjs-node, which cannot install here). */
export async function nodeBackend(): Promise<void> {
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend did not start');
}

/** The RUN's model (the caller disposes it) and studio.json, every file checked first. */
export async function readRunFolder(model: string, flag = '--model'): Promise<TorchRun & { dir: string }> {
  const dir = path.resolve(model);
  const files = RUN_FILE_NAMES.filter((name) => existsSync(path.join(dir, name))).map((name) => ({
    name,
    bytes: new Uint8Array(readFileSync(path.join(dir, name))),
  }));
  await nodeBackend();
  try {
    return { ...readTorchRun(files), dir };
  } catch (error) {
    if (error instanceof TorchRunError || error instanceof SafetensorsError) throw new UsageError(`${flag} ${model}: ${error.message}`);
    throw error;
  }
}

/** run.json as the studio's export writes it, from a RUN's studio.json (the history keeps its origins). */
export function runJsonOf(run: TorchRun): Record<string, unknown> {
  const { studio } = run;
  return { id: studio.run.id, name: studio.run.name, config: studio.config, split: studio.split, history: studio.history, source: studio.source };
}

/** The RUN converted to the studio's model files (model.json, weights.bin, run.json), for the headless page's import. */
export async function runModelFiles(model: string): Promise<ModelFiles> {
  const run = await readRunFolder(model);
  try {
    const files = await modelToFiles(run.model);
    const runJson = new TextEncoder().encode(JSON.stringify(runJsonOf(run), (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    return {
      dir: run.dir,
      files: [
        { name: 'model.json', base64: base64(files['model.json']) },
        { name: 'weights.bin', base64: base64(files['weights.bin']) },
        { name: 'run.json', base64: base64(runJson) },
      ],
      height: run.studio.height,
      width: run.studio.width,
    };
  } finally {
    run.model.dispose();
  }
}
