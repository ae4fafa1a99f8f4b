/**
 * The PyTorch job as the page exports it: one zip, its files at the top (unzip it into JOBDIR). The
 * Python files are bundled as text by Vite; the CLI reads the same files from disk (cli/torchSources.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { zipSync, type Zippable } from 'fflate';
import type { Checkpoint } from '../ml/io/checkpoint';
import { buildTorchJob, type JobRun } from '../ml/io/torchJob';

// The names match ml/io/torchJob.ts's TORCH_SOURCES (Vite needs the patterns literal).
const bundled: Record<string, string> = {
  ...import.meta.glob('../torch/studio_torch/*.py', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../torch/train.py', { query: '?raw', import: 'default', eager: true }),
};

/** By path under src/torch: train.py, studio_torch/*.py. */
export const TORCH_SOURCE_FILES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(bundled).map(([path, text]) => [path.slice('../torch/'.length), text]),
);

/** The job's zip for weights of `epoch` (the history stops there); the weights are stored, not deflated. */
export async function torchJobZip(
  model: tf.LayersModel,
  run: JobRun,
  epoch: number,
  optimizer: Checkpoint['optimizer'] = null,
): Promise<Uint8Array<ArrayBuffer>> {
  const files = await buildTorchJob(model, run, TORCH_SOURCE_FILES, { job: `the studio's export of "${run.name}" at epoch ${epoch}`, epoch, optimizer });
  const entries: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) entries[name] = name.endsWith('.safetensors') ? [bytes, { level: 0 }] : bytes;
  return zipSync(entries, { level: 6 }) as Uint8Array<ArrayBuffer>;
}
