/**
 * Reference for the PyTorch mirror (src/torch/tests/test_bridge.py): each preset at a small size with
 * seeded, non-trivial weights, its weights as model.safetensors in PyTorch's layout through the layer
 * table's `torch` part, and an input with tfjs's logits (inference mode) as io.safetensors.
 *
 *   npx tsx src/torch/tests/tfjs_reference.ts OUTDIR [preset ...]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as table from '../../ml/io/layerTable';
import type { WeightArray } from '../../ml/io/weightLayout';
import { buildPreset, countTrainableParams } from '../../ml/model/build';
import { createRng } from '../../data/random';

const SIZES: Record<string, [number, number]> = { tiny: [32, 48], transunet: [32, 48], 'seed-unet': [32, 32], unet: [32, 32] };

/** A minimal safetensors writer (F32, names sorted, header padded to 8 bytes). */
function safetensors(tensors: Map<string, WeightArray>): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const name of names) {
    const bytes = tensors.get(name)!.values.length * 4;
    header[name] = { dtype: 'F32', shape: tensors.get(name)!.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const name of names) {
    const v = tensors.get(name)!.values;
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
    at += v.byteLength;
  }
  return out;
}

/** Seeded weights with BatchNorm statistics, biases and norms away from their identity values. */
function randomise(model: tf.LayersModel, rng: () => number): void {
  for (const layer of model.layers) {
    const values = layer.getWeights().map((w, i) => {
      const name = layer.weights[i]!.originalName;
      const u = (lo: number, hi: number) =>
        tf.tensor(
          Float32Array.from({ length: w.size }, () => lo + (hi - lo) * rng()),
          w.shape,
        );
      if (/(gamma|moving_variance)$/.test(name)) return u(0.5, 1.5);
      if (/(beta|bias|moving_mean)$/.test(name)) return u(-0.2, 0.2);
      const fanIn = w.shape.length > 1 ? w.size / (w.shape.at(-1) as number) : 16;
      const s = Math.sqrt(3 / fanIn);
      return u(-s, s);
    });
    layer.setWeights(values);
  }
}

/** The layer table's `torch` part, read forwards (tfjs -> PyTorch layout). */
function layerTorchWeights(layer: tf.layers.Layer, stored: Map<string, WeightArray>): Array<WeightArray & { key: string }> {
  return table.torchWeights(table.layerEntry(layer.getClassName(), layer.name), stored, layer.name);
}

async function torchTensors(model: tf.LayersModel): Promise<Map<string, WeightArray>> {
  const out = new Map<string, WeightArray>();
  for (const layer of model.layers) {
    const stored = new Map<string, WeightArray>();
    for (const v of layer.weights) {
      stored.set(v.originalName.slice(v.originalName.lastIndexOf('/') + 1), {
        shape: [...v.shape] as number[],
        values: (await v.read().data()) as Float32Array,
      });
    }
    for (const w of layerTorchWeights(layer, stored)) {
      out.set(`${layer.name}.${w.key}`, { shape: w.shape, values: w.values });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const [outDir, ...wanted] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: tfjs_reference.ts OUTDIR [preset ...]');
  await tf.setBackend('cpu');
  for (const preset of wanted.length ? wanted : Object.keys(SIZES)) {
    const [height, width] = SIZES[preset]!;
    const model = buildPreset(preset, { height, width });
    const rng = createRng(7);
    randomise(model, rng);
    const image = tf.tensor4d(
      Float32Array.from({ length: 2 * height * width * 3 }, () => rng()),
      [2, height, width, 3],
    );
    const logits = model.predict(image) as tf.Tensor;
    const dir = path.join(outDir, preset);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.safetensors'), safetensors(await torchTensors(model)));
    const io = new Map<string, WeightArray>([
      ['image', { shape: image.shape, values: (await image.data()) as Float32Array }],
      ['logits', { shape: logits.shape, values: (await logits.data()) as Float32Array }],
    ]);
    // The ViT bottleneck's output too: the decoder's convolutions damp a small error in it (tanh-GELU for exact
    // GELU moves the logits by only ~1e-6), so it is compared where it is made.
    if (model.layers.some((l) => l.name === 'vit_project')) {
      const bottleneck = tf.model({ inputs: model.inputs, outputs: model.getLayer('vit_project').output as tf.SymbolicTensor });
      const tokens = bottleneck.predict(image) as tf.Tensor;
      io.set('vit_project', { shape: tokens.shape, values: (await tokens.data()) as Float32Array });
      tokens.dispose();
    }
    writeFileSync(path.join(dir, 'io.safetensors'), safetensors(io));
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ preset, height, width, params: countTrainableParams(model) }));
    console.log(`${preset} ${height}x${width}: ${countTrainableParams(model)} params`);
    tf.dispose([image, logits]);
    model.dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
