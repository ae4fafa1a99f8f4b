/**
 * Reads a model the user chose (one .zip, or model.json + weights + optional run.json) and checks
 * it before tfjs sees it, so a bad file is refused with a reason that names it instead of
 * failing deep inside tf.loadLayersModel.
 */
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
// Registers the studio's custom layers, so the layer-class check accepts our own exports.
import '../model/index';
import { formatBytes } from '../../format';

const KiB = 1024;
const MiB = 1024 * KiB;

export { formatBytes };

export interface ImportLimits {
  maxBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: 256 * MiB };

export type ImportResult = { ok: true; artifacts: tf.io.ModelArtifacts; run: unknown | null } | { ok: false; reason: string };

export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

/** A refusal with a reason for the user; anything else thrown is a bug and propagates. */
class Refusal extends Error {}

/** Sizes as people read them: "300.0 MiB", "12.5 KiB", "900 bytes"; a limit drops a trailing ".0". */

const basename = (path: string): string => path.split(/[\\/]/).pop() ?? path;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function parseJson(name: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Refusal(`${name} is not valid JSON: ${errorMessage(error)}`);
  }
}

function isZip(file: ImportFile): boolean {
  const magic = file.bytes[0] === 0x50 && file.bytes[1] === 0x4b && file.bytes[2] === 0x03 && file.bytes[3] === 0x04;
  return magic || /\.zip$/i.test(file.name);
}

/** Entries of a zip by base name; the unpacked size is checked from the headers before inflating. */
function unzip(file: ImportFile, limits: ImportLimits): ImportFile[] {
  // model.onnx rides in the studio's export zip for other runtimes; the studio loads model.json, so the
  // ONNX copy (132 MB for seed-unet) is neither inflated nor counted against the import limit.
  const wanted = (name: string): boolean => !name.endsWith('/') && !name.startsWith('__MACOSX/') && !/\.onnx$/i.test(name);
  let entries: Record<string, Uint8Array>;
  try {
    let unpacked = 0;
    // A first pass that inflates nothing: refuse a zip bomb before allocating its contents.
    unzipSync(file.bytes, {
      filter: (entry) => {
        if (wanted(entry.name)) unpacked += entry.originalSize;
        return false;
      },
    });
    if (unpacked > limits.maxBytes) {
      throw new Refusal(`${file.name} unpacks to ${formatBytes(unpacked)}, over the ${formatBytes(limits.maxBytes, true)} import limit`);
    }
    entries = unzipSync(file.bytes, { filter: (entry) => wanted(entry.name) });
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(`${file.name} could not be unzipped: ${errorMessage(error)}`);
  }
  return Object.entries(entries).map(([name, bytes]) => ({ name, bytes }));
}

/** Layer classes and names in a topology, nested models and wrapper layers included. */
function* layerClasses(node: unknown): Generator<{ className: string; layerName: string }> {
  if (!isObject(node)) return;
  const config = node.config;
  if (typeof node.class_name === 'string') {
    const name = node.name ?? (isObject(config) ? config.name : undefined);
    yield { className: node.class_name, layerName: typeof name === 'string' ? name : '?' };
  }
  // Old Sequential configs are a bare list of layers; wrappers (TimeDistributed) hold one layer.
  const children = Array.isArray(config) ? config : isObject(config) ? [...(Array.isArray(config.layers) ? config.layers : []), config.layer] : [];
  for (const child of children) yield* layerClasses(child);
}

/** Bytes tfjs reads for one manifest entry (quantized weights are stored narrower than their dtype). */
function entryBytes(entry: tf.io.WeightsManifestEntry): number {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };
  if (!(stored in size)) throw new Refusal(`model.json: weight "${entry.name}" has dtype ${stored}, which cannot be imported`);
  return count * size[stored];
}

function checkManifest(manifest: unknown): tf.io.WeightsManifestConfig {
  if (!Array.isArray(manifest)) throw new Refusal('model.json has no weightsManifest: it is not a tfjs Layers model');
  manifest.forEach((group, g) => {
    const paths = isObject(group) && Array.isArray(group.paths) && group.paths.every((p) => typeof p === 'string');
    const weights =
      isObject(group) &&
      Array.isArray(group.weights) &&
      group.weights.every(
        (w) =>
          isObject(w) &&
          typeof w.name === 'string' &&
          typeof w.dtype === 'string' &&
          Array.isArray(w.shape) &&
          w.shape.every((d) => Number.isInteger(d) && d >= 0),
      );
    if (!paths || !weights) throw new Refusal(`model.json: weightsManifest group ${g} is malformed (it needs paths and weights with name, shape and dtype)`);
  });
  return manifest as tf.io.WeightsManifestConfig;
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

function read(chosen: readonly ImportFile[], limits: ImportLimits): { artifacts: tf.io.ModelArtifacts; run: unknown | null } {
  if (chosen.length === 0) throw new Refusal('no files were chosen: choose the exported .zip, or model.json with its weights file');
  const total = chosen.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  if (total > limits.maxBytes) {
    const what = chosen.length === 1 ? `${chosen[0].name} is` : `the ${chosen.length} chosen files are`;
    throw new Refusal(`${what} ${formatBytes(total)}, over the ${formatBytes(limits.maxBytes, true)} import limit`);
  }
  const zips = chosen.filter(isZip);
  if (zips.length > 0 && chosen.length > 1) throw new Refusal(`choose either one .zip or model.json with its weights, not both (${zips[0].name})`);
  const files = new Map<string, ImportFile>();
  // Manifests name weights by path; matching by base name accepts a zip with a folder inside.
  for (const file of zips.length ? unzip(zips[0], limits) : chosen) {
    const name = basename(file.name);
    const twin = files.get(name);
    if (twin) throw new Refusal(`two files are named ${name} (${twin.name} and ${file.name}): keep one`);
    files.set(name, file);
  }

  // An exported model.json may have been renamed; accept a lone other .json that is not run.json.
  const jsons = [...files.keys()].filter((n) => /\.json$/i.test(n) && n !== 'run.json');
  const modelName = files.has('model.json') ? 'model.json' : jsons.length === 1 ? jsons[0] : null;
  if (!modelName)
    throw new Refusal(`model.json is missing${zips.length ? ` from ${zips[0].name}` : ''}: choose the exported .zip, or model.json with its weights file`);
  const json = parseJson(modelName, files.get(modelName)!.bytes);
  if (!isObject(json)) throw new Refusal(`${modelName} is not a tfjs model: it holds no JSON object`);
  // Absent in models saved by early tfjs versions, which were Layers models.
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Refusal(`${modelName} is a "${String(json.format)}", not a "layers-model": only tfjs Layers models can be imported`);
  }
  if (!isObject(json.modelTopology)) throw new Refusal(`${modelName} has no modelTopology: it is not a tfjs Layers model`);
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  // Keras-converted models nest the model under model_config, as tfjs itself reads them.
  for (const { className, layerName } of layerClasses(json.modelTopology.model_config ?? json.modelTopology)) {
    if (!(className in registered)) {
      throw new Refusal(`${modelName}: unknown layer class "${className}" (layer "${layerName}"); this studio cannot build it`);
    }
  }
  const manifest = checkManifest(json.weightsManifest);

  const weightParts: Uint8Array[] = [];
  for (const group of manifest) {
    const parts = group.paths.map((path) => {
      const file = files.get(basename(path));
      if (!file) throw new Refusal(`${path} listed in ${modelName} is missing`);
      return file.bytes;
    });
    const have = parts.reduce((sum, p) => sum + p.byteLength, 0);
    const need = group.weights.reduce((sum, w) => sum + entryBytes(w), 0);
    if (have !== need) {
      throw new Refusal(`${group.paths.join(' + ')} has ${have} bytes, the manifest needs ${need} (truncated or the wrong file)`);
    }
    weightParts.push(...parts);
  }
  const runFile = files.get('run.json');
  const run = runFile ? parseJson('run.json', runFile.bytes) : null;

  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: 'layers-model',
    generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : undefined,
    convertedBy: typeof json.convertedBy === 'string' ? json.convertedBy : null,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concat(weightParts),
  };
  if (isObject(json.trainingConfig)) artifacts.trainingConfig = json.trainingConfig as unknown as tf.io.TrainingConfig;
  if (isObject(json.userDefinedMetadata)) artifacts.userDefinedMetadata = json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'];
  return { artifacts, run };
}

/** Checks the chosen files; `ok: false` carries a reason to show as it is. */
export async function readModelFiles(files: ReadonlyArray<ImportFile>, limits: ImportLimits = DEFAULT_IMPORT_LIMITS): Promise<ImportResult> {
  try {
    return { ok: true, ...read(files, limits) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

const formatShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** Loads the weights by name, naming the first weight whose shape the model cannot take. */
function loadWeightsInto(model: tf.LayersModel, artifacts: tf.io.ModelArtifacts): void {
  const specs = artifacts.weightSpecs ?? [];
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  for (const weight of model.weights) {
    const spec = byName.get(weight.originalName);
    const shape = weight.shape as number[];
    if (!spec) throw new Error(`the model's weight "${weight.originalName}" is not in the weights file`);
    if (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
      throw new Error(`weight "${spec.name}" is ${formatShape(spec.shape)} in the file but the model needs ${formatShape(shape)}`);
    }
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), specs);
  try {
    // Saved optimizer state is not the model's (tfjs's own loader sets it aside the same way).
    const modelWeights = Object.fromEntries(specs.filter((s) => s.group !== 'optimizer').map((s) => [s.name, tensors[s.name]]));
    model.loadWeights(modelWeights, true);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Builds the model from checked artifacts. What tf.loadLayersModel does, in two phases: so a
 * failure says which part is wrong, and the half-built model is disposed (tfjs leaks it).
 */
export async function loadModel(artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: artifacts.modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  } catch (error) {
    throw new Error(`the model in model.json cannot be built: ${errorMessage(error)}`, { cause: error });
  }
  try {
    loadWeightsInto(model, artifacts);
    if (artifacts.userDefinedMetadata) model.setUserDefinedMetadata(artifacts.userDefinedMetadata);
    return model;
  } catch (error) {
    model.dispose();
    throw new Error(`the weights do not fit the model: ${errorMessage(error)}`, { cause: error });
  }
}
