/**
 * Export as a standard tfjs Layers model (model.json + weights.bin), loadable by
 * `tf.loadLayersModel` in any page that imports our custom layers, plus run.json, history.csv and
 * the same model as ONNX (model.onnx, byte for byte what `modelToOnnx` writes with run.json's metadata).
 */
import * as tf from '@tensorflow/tfjs';
import { zipSync, type Zippable } from 'fflate';
import type { EpochRecord } from '../train/config';
import { modelToOnnx } from './onnx/export';
import { onnxRunOptions } from './onnx/runMetadata';

export const WEIGHTS_FILE = 'weights.bin';

/** The model.json layout that tf.io's http and browserFiles loaders read. */
export interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: object;
}

/** The artifacts `model.save` produces, with the weights in one buffer. */
export async function saveArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts & { weightData: ArrayBuffer }> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const artifacts = captured as tf.io.ModelArtifacts | null;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || artifacts.weightData === undefined) {
    throw new Error('model.save gave no topology or weights to export.');
  }
  // tfjs 4.22 may split large weights into several buffers.
  return { ...artifacts, weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData) };
}

export async function modelToFiles(model: tf.LayersModel): Promise<{ 'model.json': Uint8Array; 'weights.bin': Uint8Array }> {
  const artifacts = await saveArtifacts(model);
  const json: ModelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs! }],
  };
  if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return {
    'model.json': new TextEncoder().encode(JSON.stringify(json)),
    'weights.bin': new Uint8Array(artifacts.weightData),
  };
}

export const HISTORY_COLUMNS = [
  'epoch',
  'step',
  'trainLoss',
  'valLoss',
  'dice',
  'iou',
  'precision',
  'recall',
  'accuracy',
  'learningRate',
  'seconds',
  'imagesPerSecond',
] as const satisfies ReadonlyArray<keyof EpochRecord>;

/** One row an epoch; a value that is not a finite number (no validation set: NaN) is left empty. */
export function historyToCsv(history: readonly EpochRecord[]): string {
  const rows = history.map((record) =>
    HISTORY_COLUMNS.map((column) => {
      const value = record[column];
      return Number.isFinite(value) ? String(value) : '';
    }).join(','),
  );
  return [HISTORY_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/**
 * The model as the ONNX file the export zip holds: run.json's preset, threshold and run label as
 * metadata. A plain Uint8Array owning its whole buffer (protobufjs gives a Buffer in Node), so it can be transferred.
 */
export async function exportOnnx(model: tf.LayersModel, run: unknown): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await modelToOnnx(model, onnxRunOptions(run)));
}

/** model.json, weights.bin, run.json, history.csv and model.onnx in one zip. */
export async function buildExportZip(model: tf.LayersModel, run: unknown, history: readonly EpochRecord[]): Promise<Uint8Array> {
  const files = await modelToFiles(model);
  const onnx = await exportOnnx(model, run);
  const encoder = new TextEncoder();
  const entries: Zippable = {
    'model.json': files['model.json'],
    // Stored, not deflated: float weights shrink by only a few percent for seconds of work.
    'weights.bin': [files['weights.bin'], { level: 0 }],
    'run.json': encoder.encode(JSON.stringify(run ?? null, null, 2)),
    'history.csv': encoder.encode(historyToCsv(history)),
    'model.onnx': [onnx, { level: 0 }],
  };
  return zipSync(entries, { level: 6 });
}
