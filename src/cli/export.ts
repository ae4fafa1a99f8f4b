/**
 * `npm run export -- --model OUT --format onnx [--out FILE.onnx]`: converts a folder `npm run train`
 * wrote (model.json + weights.bin + run.json), or a RUN a PyTorch job wrote (model.safetensors +
 * studio.json), to an ONNX file. `--format torch --out JOBDIR` writes the PyTorch job instead (the
 * package, the weights as safetensors, studio.json, a README with the commands). Runs in Node on
 * tfjs's cpu backend: no browser. Exit codes as the other tools: 0 done, 1 unexpected failure, 2 bad
 * arguments or model.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatBytes } from '../format';
import type { Checkpoint } from '../ml/io/checkpoint';
import { loadModel, readModelFiles, type ImportFile } from '../ml/io/import';
import { LayerMappingError } from '../ml/io/layerTable';
import { modelToOnnx, ONNX_OPSET } from '../ml/io/onnx/export';
import { onnxRunOptions } from '../ml/io/onnx/runMetadata';
import { buildTorchJob, readStudioJson, studioJson, TorchRunError, type JobRun } from '../ml/io/torchJob';
import { UsageError } from './args';
import { runMain } from './main';
import { isRunFolder, nodeBackend, readRunFolder, runJsonOf } from './runFolder';
import { readTorchSources } from './torchSources';

export const EXPORT_USAGE =
  'usage: npm run export -- --model OUT|RUN --format onnx [--out FILE.onnx] [--threshold T]\n       npm run export -- --model OUT|RUN --format torch --out JOBDIR';
const FORMATS = ['onnx', 'torch'] as const;

interface ExportArgs {
  model: string;
  format: (typeof FORMATS)[number];
  out: string | null;
  threshold: number | null;
}

function parseExportArgs(argv: string[]): ExportArgs {
  const values = new Map<string, string>();
  const flags = ['--model', '--format', '--out', '--threshold'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new UsageError(EXPORT_USAGE);
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!flags.includes(flag)) throw new UsageError(`unknown argument "${arg}"\n${EXPORT_USAGE}`);
    if (values.has(flag)) throw new UsageError(`${flag} is given twice`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value\n${EXPORT_USAGE}`);
    values.set(flag, value);
  }
  const model = values.get('--model');
  if (!model) throw new UsageError(`--model OUT (the folder \`npm run train\` wrote) is required\n${EXPORT_USAGE}`);
  const format = values.get('--format') ?? 'onnx';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got "${format}"`);
  if (format === 'torch' && !values.get('--out')) throw new UsageError(`--format torch needs --out JOBDIR (the folder the job is written to)\n${EXPORT_USAGE}`);
  const rawThreshold = values.get('--threshold');
  const threshold = rawThreshold === undefined ? null : Number(rawThreshold);
  if (threshold !== null && !(threshold > 0 && threshold < 1)) throw new UsageError(`--threshold must be a number between 0 and 1; got "${rawThreshold}"`);
  return { model, format: format as ExportArgs['format'], out: values.get('--out') ?? null, threshold };
}

/** model.json, the weight files its manifest names, and run.json: what the import reads, nothing else of the folder. */
function readModelFolder(model: string): { jsonPath: string; files: ImportFile[] } {
  const resolved = path.resolve(model);
  if (!existsSync(resolved)) throw new UsageError(`--model ${model}: no such file or folder`);
  const jsonPath = statSync(resolved).isDirectory() ? path.join(resolved, 'model.json') : resolved;
  if (!existsSync(jsonPath)) throw new UsageError(`--model ${model}: no model.json in ${resolved} (give the folder \`npm run train --out\` wrote)`);
  const dir = path.dirname(jsonPath);
  const json = readFileSync(jsonPath);
  let weightPaths: string[] = [];
  try {
    const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest?: Array<{ paths?: unknown }> }).weightsManifest;
    weightPaths = (Array.isArray(manifest) ? manifest : [])
      .flatMap((group) => (Array.isArray(group?.paths) ? group.paths : []))
      .filter((p): p is string => typeof p === 'string');
  } catch {
    // Not JSON: the import below refuses it with the parser's reason.
  }
  // A missing weight file is left out here and named by the import's check.
  const others = [...weightPaths.map((p) => path.basename(p)), 'run.json'].filter((name) => existsSync(path.join(dir, name)));
  const files = [
    { name: path.basename(jsonPath), bytes: new Uint8Array(json) },
    ...[...new Set(others)].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) })),
  ];
  return { jsonPath, files };
}

/** The model, its run (run.json or a RUN's studio.json) and the file to name in messages; a RUN folder or a `npm run train` folder. */
async function loadSource(model: string): Promise<{ model: tf.LayersModel; run: unknown; where: string; dir: string; optimizer?: Checkpoint['optimizer'] }> {
  if (isRunFolder(model)) {
    const run = await readRunFolder(model);
    return { model: run.model, run: runJsonOf(run), where: path.join(run.dir, 'studio.json'), dir: run.dir, optimizer: run.optimizer };
  }
  const { jsonPath, files } = readModelFolder(model);
  // The cpu backend: exact, and all that Node has without tfjs-node.
  await nodeBackend();
  const checked = await readModelFiles(files);
  if (!checked.ok) throw new UsageError(`${jsonPath}: ${checked.reason}`);
  try {
    return { model: await loadModel(checked.artifacts), run: checked.run, where: jsonPath, dir: path.dirname(jsonPath) };
  } catch (error) {
    throw new UsageError(`${jsonPath}: ${(error as Error).message}`);
  }
}

/** The run a job continues: run.json's (or studio.json's) record, checked as the RUN will be read back. */
function jobRun(run: unknown, model: tf.LayersModel, where: string): JobRun {
  const file = where.endsWith('studio.json') ? where : path.join(path.dirname(where), 'run.json');
  if (typeof run !== 'object' || run === null) throw new UsageError(`${file} is missing: the job needs the run's settings, split and history`);
  const record = run as JobRun;
  try {
    const studio = studioJson({ ...record, name: record.name ?? 'run', id: record.id ?? 'run', history: record.history ?? [] }, model, 'check');
    readStudioJson(new TextEncoder().encode(JSON.stringify(studio, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))));
  } catch (error) {
    if (error instanceof TorchRunError || error instanceof TypeError)
      throw new UsageError(`${file}: ${(error as Error).message.replace(/^studio\.json:? ?/, '')}`);
    throw error;
  }
  return record;
}

async function writeJob(args: ExportArgs, model: tf.LayersModel, run: unknown, where: string, optimizer: Checkpoint['optimizer'] = null): Promise<void> {
  const out = path.resolve(args.out!);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${args.out}: exists and is not a folder`);
  const record = jobRun(run, model, where);
  const started = performance.now();
  const files = await buildTorchJob(model, record, readTorchSources(), { job: `npm run export --format torch from ${args.model}`, optimizer });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
    writeFileSync(path.join(out, name), bytes);
  }
  const epochs = record.history?.length ?? 0;
  process.stderr.write(
    `wrote the PyTorch job to ${out} (${Object.keys(files).length} files, ${(performance.now() - started).toFixed(0)} ms): ${model.name}, ${epochs} epoch${epochs === 1 ? '' : 's'} so far\n` +
      `  torchrun --nproc_per_node N ${path.join(out, 'train.py')} --data DIR --epochs E --out RUN   (see ${path.join(out, 'README.md')})\n`,
  );
}

async function main(): Promise<void> {
  const args = parseExportArgs(process.argv.slice(2));
  const source = await loadSource(args.model);
  const { model, where } = source;
  if (args.format === 'torch') {
    try {
      await writeJob(args, model, source.run, where, source.optimizer);
    } finally {
      model.dispose();
    }
    return;
  }
  const out = path.resolve(args.out ?? path.join(source.dir, 'model.onnx'));
  if (existsSync(out) && statSync(out).isDirectory()) {
    model.dispose();
    throw new UsageError(`--out ${args.out}: is a folder; give a file name such as model.onnx`);
  }
  const jsonPath = where;
  const metadata = onnxRunOptions(source.run);
  try {
    const started = performance.now();
    const bytes = await modelToOnnx(model, { ...metadata, ...(args.threshold !== null ? { threshold: args.threshold } : {}) });
    writeFileSync(out, bytes);
    const [, height, width] = model.inputs[0]!.shape;
    process.stderr.write(
      `wrote ${out} (${formatBytes(bytes.byteLength)}, opset ${ONNX_OPSET}, ${(performance.now() - started).toFixed(0)} ms): ` +
        `image float32 [N, 3, ${height}, ${width}] in [0, 1] -> logits float32 [N, 1, ${height}, ${width}]` +
        ` (preset ${metadata.preset ?? model.name}, threshold ${args.threshold ?? metadata.threshold ?? 0.5})\n`,
    );
  } catch (error) {
    // A model that loads in tfjs but holds a layer the table does not map: name the file and the layer.
    if (error instanceof LayerMappingError) throw new UsageError(`${jsonPath}: ${error.message}`);
    throw error;
  } finally {
    model.dispose();
  }
}

runMain(main);
