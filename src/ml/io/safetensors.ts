/**
 * Weights across the border as safetensors (DESIGN 5b): an 8-byte little-endian header length, a JSON
 * header of name -> { dtype, shape, data_offsets }, then the raw little-endian tensors. Written and read
 * here; the tensors are named `<tfjs layer name>.<torch key>` in PyTorch's layout, through the layer
 * table's `torch` part (forwards to export, backwards to import). Every refusal names the file and the tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { fromTorchWeights, layerEntry, torchShapes, torchWeights, type LayerEntry } from './layerTable';
import { storedWeights } from './onnx/export';
import type { WeightArray } from './weightLayout';

/** A safetensors file that cannot be read or does not fit the model; the message names the file and the tensor. */
export class SafetensorsError extends Error {}

/** Bytes per element of the dtypes a header may name; only F32 is loaded. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** The header's own size limit in the reference implementation (100 MB). */
const MAX_HEADER = 100_000_000;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** F32 tensors by name, in one file (names sorted, the header padded with spaces to 8 bytes as the reference writer does). */
export function writeSafetensors(tensors: ReadonlyMap<string, WeightArray>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const { shape, values } = tensors.get(name)!;
    if (values.length !== count(shape))
      throw new SafetensorsError(`tensor "${name}" has ${values.length} values but its shape ${formatShape(shape)} needs ${count(shape)}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + values.length * 4] };
    offset += values.length * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const name of names) {
    const { values } = tensors.get(name)!;
    if (littleEndian) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    else values.forEach((v, k) => view.setFloat32(at + 4 * k, v, true));
    at += values.byteLength;
  }
  return out;
}

/** The JSON header and where the data starts, checked; `fail` names the file. */
function readHeader(bytes: Uint8Array, fail: (why: string) => never): { header: Record<string, unknown>; start: number; view: DataView } {
  if (bytes.byteLength < 8) fail(`${bytes.byteLength} bytes is too short for a safetensors file (8-byte header length first)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) {
    fail(`the header length ${headerLength} does not fit in the file's ${bytes.byteLength} bytes: not a safetensors file, or truncated`);
  }
  const start = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, start)));
  } catch (error) {
    fail(`the header is not JSON (${(error as Error).message}): not a safetensors file`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header is not a JSON object');
  return { header: header as Record<string, unknown>, start, view };
}

/** The header's `__metadata__` (string to string, as the format defines it); empty when there is none. */
export function readSafetensorsMetadata(bytes: Uint8Array, fileName: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new SafetensorsError(`${fileName}: ${why}`);
  };
  const metadata = readHeader(bytes, fail).header.__metadata__ ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) {
    return fail('__metadata__ is not an object of strings');
  }
  return metadata as Record<string, string>;
}

/**
 * The F32 tensors of a safetensors file by name (copies, so they outlive `bytes`). Checks the header
 * length, the JSON, every entry's dtype, shape and offsets against the data, and that the data is
 * covered exactly once.
 */
export function readSafetensors(bytes: Uint8Array, fileName: string): Map<string, WeightArray> {
  const fail = (why: string): never => {
    throw new SafetensorsError(`${fileName}: ${why}`);
  };
  const { header, start, view } = readHeader(bytes, fail);
  const dataLength = bytes.byteLength - start;
  const spans: Array<[number, number, string]> = [];
  const out = new Map<string, WeightArray>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor "${name}" has no dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}, which is not a safetensors dtype`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const need = count(shape as number[]) * DTYPE_BYTES[dtype as string]!;
    if (end - begin !== need) fail(`tensor "${name}" spans ${end - begin} bytes but ${dtype as string} ${formatShape(shape as number[])} needs ${need}`);
    if (end > dataLength) fail(`tensor "${name}" ends at byte ${end} of the data, which has ${dataLength} (truncated)`);
    if (dtype !== 'F32') fail(`tensor "${name}" is ${dtype as string}; the studio reads F32 tensors only`);
    spans.push([begin, end, name]);
    const values = new Float32Array(need / 4);
    if (littleEndian && (bytes.byteOffset + start + begin) % 4 === 0)
      values.set(new Float32Array(bytes.buffer, bytes.byteOffset + start + begin, values.length));
    else for (let k = 0; k < values.length; k++) values[k] = view.getFloat32(start + begin + 4 * k, true);
    out.set(name, { shape: [...(shape as number[])], values });
  }
  // The reference reader requires the tensors to tile the data: no overlaps, no gaps, nothing after.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== covered)
      fail(begin < covered ? `tensor "${name}" overlaps another tensor's bytes` : `the data has ${begin - covered} unused bytes before tensor "${name}"`);
    covered = end;
  }
  if (covered !== dataLength) fail(`the data has ${dataLength - covered} bytes after the last tensor`);
  return out;
}

/** The model's weights in PyTorch's layout, named `<layer>.<torch key>`, through the layer table. */
export async function modelToTorchTensors(model: tf.LayersModel, table?: Readonly<Record<string, LayerEntry>>): Promise<Map<string, WeightArray>> {
  const out = new Map<string, WeightArray>();
  for (const layer of model.layers) {
    const entry = layerEntry(layer.getClassName(), layer.name, table);
    for (const w of torchWeights(entry, await storedWeights(layer), layer.name)) out.set(`${layer.name}.${w.key}`, { shape: w.shape, values: w.values });
  }
  return out;
}

/**
 * Sets the model's weights from PyTorch-layout tensors (the inverse of modelToTorchTensors). Every
 * tensor is checked first: a missing, extra or mis-shaped one is refused by name and nothing is set.
 */
export function loadTorchTensors(
  model: tf.LayersModel,
  tensors: ReadonlyMap<string, WeightArray>,
  fileName: string,
  table?: Readonly<Record<string, LayerEntry>>,
): void {
  const plan: Array<{ layer: tf.layers.Layer; values: WeightArray[] }> = [];
  const used = new Set<string>();
  for (const layer of model.layers) {
    const entry = layerEntry(layer.getClassName(), layer.name, table);
    const shortName = (v: tf.LayerVariable) => v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
    const shapes = new Map(layer.weights.map((v) => [shortName(v), v.shape as number[]]));
    const torch = new Map<string, WeightArray>();
    for (const { key, shape } of torchShapes(entry, shapes, layer.name)) {
      const name = `${layer.name}.${key}`;
      const tensor = tensors.get(name);
      if (!tensor) throw new SafetensorsError(`${fileName}: tensor "${name}" is missing (the model needs it as ${formatShape(shape)})`);
      if (tensor.shape.length !== shape.length || tensor.shape.some((d, k) => d !== shape[k])) {
        throw new SafetensorsError(`${fileName}: tensor "${name}" is ${formatShape(tensor.shape)} but the model needs ${formatShape(shape)}`);
      }
      torch.set(key, tensor);
      used.add(name);
    }
    const byName = fromTorchWeights(entry, torch, layer.name);
    plan.push({ layer, values: layer.weights.map((v) => byName.get(shortName(v))!) });
  }
  const extra = [...tensors.keys()].filter((name) => !used.has(name));
  if (extra.length) {
    const more = extra.length > 1 ? ` (and ${extra.length - 1} more)` : '';
    throw new SafetensorsError(`${fileName}: tensor "${extra[0]}" is not a weight of this model${more}: it was written for another model`);
  }
  for (const { layer, values } of plan) {
    if (!values.length) continue;
    const tensorsOf = values.map((w) => tf.tensor(w.values, w.shape, 'float32'));
    try {
      layer.setWeights(tensorsOf);
    } finally {
      tf.dispose(tensorsOf);
    }
  }
}
