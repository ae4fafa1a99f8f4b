/** File-system side of the CLI: checking folders before the browser starts, and writing results. */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { UsageError } from './args';

/** DIR must be a folder holding at least one file: the browser then reports pairs and skipped files. */
export function checkDataDir(dir: string): string {
  const resolved = path.resolve(dir);
  if (!existsSync(resolved)) throw new UsageError(`--data ${dir}: no such folder`);
  if (!statSync(resolved).isDirectory()) throw new UsageError(`--data ${dir}: not a folder (give the folder that holds the images and masks)`);
  if (countFiles(resolved, 1) === 0) throw new UsageError(`--data ${dir}: the folder holds no files`);
  return resolved;
}

function countFiles(dir: string, enough: number): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) count++;
    else if (entry.isDirectory()) count += countFiles(path.join(dir, entry.name), enough - count);
    if (count >= enough) break;
  }
  return count;
}

/** Paths in the page start with DIR's own name (webkitRelativePath): reports show them relative to DIR. */
export function relativeTo(top: string): (file: string) => string {
  return (file) => (file.startsWith(`${top}/`) ? file.slice(top.length + 1) : file);
}

/** Creates OUT (and parents); refuses a path that is a file. */
export function prepareOutDir(dir: string, flag: string): string {
  const resolved = path.resolve(dir);
  if (existsSync(resolved) && !statSync(resolved).isDirectory()) throw new UsageError(`${flag} ${dir}: exists and is not a folder`);
  mkdirSync(resolved, { recursive: true });
  return resolved;
}

/** Unpacks the studio's export zip into `dir`; returns the names written. */
export function writeExport(zipBase64: string, dir: string): string[] {
  const entries = unzipSync(Buffer.from(zipBase64, 'base64'));
  const names: string[] = [];
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    // Entries are flat names from our own exporter; basename guards against a path in a zip.
    const target = path.join(dir, path.basename(name));
    writeFileSync(target, bytes);
    names.push(path.basename(name));
  }
  return names.sort();
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // NaN (an empty split's mean) is not JSON: write null.
  writeFileSync(file, `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

export interface ModelFiles {
  /** The folder holding model.json. */
  dir: string;
  files: Array<{ name: string; base64: string }>;
  height: number;
  width: number;
}

/** The model.json `npm run train` wrote (a folder or the file itself), its weight files, and its input size. */
export function loadModelFiles(model: string): ModelFiles {
  const resolved = path.resolve(model);
  if (!existsSync(resolved)) throw new UsageError(`--model ${model}: no such file or folder`);
  const jsonPath = statSync(resolved).isDirectory() ? path.join(resolved, 'model.json') : resolved;
  if (!existsSync(jsonPath)) throw new UsageError(`--model ${model}: no model.json there (give the folder \`npm run train --out\` wrote)`);
  let json: { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[] }> };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof json;
  } catch (error) {
    throw new UsageError(`--model ${model}: model.json is not valid JSON (${(error as Error).message})`);
  }
  const dir = path.dirname(jsonPath);
  const weightNames = (json.weightsManifest ?? []).flatMap((group) => group.paths);
  const missing = weightNames.filter((name) => !existsSync(path.join(dir, name)));
  if (missing.length)
    throw new UsageError(
      `--model ${model}: the weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')} named by model.json ${missing.length > 1 ? 'are' : 'is'} missing`,
    );
  const shape = inputShape(json.modelTopology);
  if (!shape) throw new UsageError(`--model ${model}: model.json does not say the model's input size`);
  const names = ['model.json', ...weightNames];
  const files = names.map((name) => ({ name, base64: readFileSync(path.join(dir, name)).toString('base64') }));
  // run.json says how the model was trained; the import shows it when present.
  if (existsSync(path.join(dir, 'run.json'))) files.push({ name: 'run.json', base64: readFileSync(path.join(dir, 'run.json')).toString('base64') });
  return { dir, files, ...shape };
}

type Topology = { config?: { layers?: Array<{ config?: { batch_input_shape?: unknown[] } }> } };

/** [null, H, W, 3] of the first input layer of a Layers model topology (bare, or wrapped as Keras saves it). */
function inputShape(topology: unknown): { height: number; width: number } | null {
  const outer = topology as (Topology & { model_config?: Topology }) | undefined;
  const config = (outer?.model_config ?? outer)?.config;
  for (const layer of config?.layers ?? []) {
    const shape = layer.config?.batch_input_shape;
    if (Array.isArray(shape) && shape.length === 4 && typeof shape[1] === 'number' && typeof shape[2] === 'number')
      return { height: shape[1], width: shape[2] };
  }
  return null;
}
