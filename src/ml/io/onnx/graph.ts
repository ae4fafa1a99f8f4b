/**
 * A small builder of ONNX graphs: nodes with typed attributes, float32 and int64 initializers
 * (raw little-endian bytes), and unique value names. The layer table writes into it.
 */
import { AttributeType, DataType, type AttributeMessage, type NodeMessage, type TensorMessage } from './proto';

export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 values as little-endian bytes, whatever the platform's byte order (a plain copy on little-endian ones). */
function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/**
 * Integers become INT(S), other numbers need `{ float }` to be FLOAT: an epsilon of 1 is still a float,
 * so the caller says which it means instead of the builder guessing from the value.
 */
function attribute(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}=${value} is not an integer: pass { float: ${value} }`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

export class OnnxGraph {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** Marks a name as taken (graph input and output). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX value name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  /** `base`, or `base_2`, `base_3`... if taken. */
  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; its output is `output` when given (a name already reserved), else a fresh name. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    const out = output ?? this.fresh(`${inputs[0] ?? opType}/${opType}`);
    this.nodes.push({
      name: this.fresh(`node:${out}`),
      op_type: opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return out;
  }

  /** A float32 initializer; returns its name. */
  float(name: string, dims: readonly number[], values: Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new Error(`initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dims: [...dims], data_type: DataType.FLOAT, raw_data: float32Bytes(values) });
    return unique;
  }

  /** A float32 scalar constant, shared by every node that needs the same value. */
  scalar(name: string, value: number): string {
    const key = `f32:${Math.fround(value)}`;
    const cached = this.constants.get(key);
    if (cached) return cached;
    const unique = this.float(name, [], new Float32Array([value]));
    this.constants.set(key, unique);
    return unique;
  }

  /** An int64 constant (shapes, axes, indices): a number gives a 0-D scalar, an array a 1-D tensor. */
  int64(values: number | readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const dims = typeof values === 'number' ? [] : [list.length];
    const key = `i64:${dims.length}:${list.join(',')}`;
    const cached = this.constants.get(key);
    if (cached) return cached;
    const name = this.fresh(`const_i64[${list.join(',')}]`);
    this.initializers.push({ name, dims, data_type: DataType.INT64, raw_data: int64Bytes(list) });
    this.constants.set(key, name);
    return name;
  }
}
