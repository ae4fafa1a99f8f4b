/**
 * Reference for the PyTorch mirror (src/torch/tests/test_bridge.py): each preset at a small size with
 * seeded, non-trivial weights, its weights as model.safetensors in PyTorch's layout as the studio's job
 * writes them (modelToTorchTensors through the layer table, writeSafetensors), and an input with tfjs's logits (inference mode) as io.safetensors.
 *
 *   npx tsx src/torch/tests/tfjs_reference.ts OUTDIR [preset ...]
 *   npx tsx src/torch/tests/tfjs_reference.ts --read FILE    (the studio's reader on a Python-written file: name -> shape, sum)
 *   npx tsx src/torch/tests/tfjs_reference.ts --adam OUTDIR  (tiny trained 2 Adam steps: weights, optimizer.safetensors
 *                                                            as the job writes them, a third batch and the weights after step 3)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { captureCheckpoint } from '../../ml/io/checkpoint';
import { optimizerToTorchTensors } from '../../ml/io/optimizerState';
import { registerCpuKernelFixes } from '../../ml/kernels/cpu-fixes';
import { modelToTorchTensors, readSafetensors, writeSafetensors } from '../../ml/io/safetensors';
import { DEFAULT_LOSS } from '../../ml/loss';
import { createOptimizer } from '../../ml/train/optimizer';
import { trainStep } from '../../ml/train/step';
import type { WeightArray } from '../../ml/io/weightLayout';
import { buildPreset, countTrainableParams } from '../../ml/model/build';
import { createRng } from '../../data/random';

const SIZES: Record<string, [number, number]> = { tiny: [32, 48], transunet: [32, 48], 'seed-unet': [32, 32], unet: [32, 32] };

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

/**
 * Three Adam steps of tiny (32x48, batch 2, lr 0.01, the default hybrid loss) on seeded batches: the state
 * after two goes out as the job sends it, and PyTorch's third step from it must land where tfjs's did.
 */
async function adamSteps(outDir: string): Promise<void> {
  const [height, width] = SIZES.tiny!;
  const model = buildPreset('tiny', { height, width });
  const rng = createRng(11);
  randomise(model, rng);
  const config = { name: 'adam' as const, learningRate: 0.01, momentum: 0.9 };
  const optimizer = createOptimizer(config);
  const batch = () => ({
    x: tf.tensor4d(
      Float32Array.from({ length: 2 * height * width * 3 }, () => rng()),
      [2, height, width, 3],
    ),
    // A blob-like mask: pixels inside an ellipse whose centre and size are drawn per image.
    y: tf.tensor4d(
      Float32Array.from({ length: 2 * height * width }, (_, k) => {
        const [i, r, c] = [Math.floor(k / (height * width)), Math.floor(k / width) % height, k % width];
        return ((r - height * (0.4 + 0.2 * i)) / (height * 0.3)) ** 2 + ((c - width / 2) / (width * 0.35)) ** 2 < 1 ? 1 : 0;
      }),
      [2, height, width, 1],
    ),
  });
  const batches = [batch(), batch(), batch()];
  for (const b of batches.slice(0, 2)) trainStep(model, optimizer, b, DEFAULT_LOSS).dispose();
  mkdirSync(outDir, { recursive: true });
  const checkpoint = await captureCheckpoint(model, optimizer, config, 0, 2);
  const state = optimizerToTorchTensors(model, checkpoint.optimizer)!;
  writeFileSync(path.join(outDir, 'model.safetensors'), writeSafetensors(await modelToTorchTensors(model)));
  writeFileSync(path.join(outDir, 'optimizer.safetensors'), writeSafetensors(state.tensors, { format: 'pt', ...state.metadata }));
  const third = batches[2]!;
  trainStep(model, optimizer, third, DEFAULT_LOSS).dispose();
  writeFileSync(path.join(outDir, 'after.safetensors'), writeSafetensors(await modelToTorchTensors(model)));
  const io = new Map<string, WeightArray>([
    ['image', { shape: third.x.shape, values: (await third.x.data()) as Float32Array }],
    ['mask', { shape: third.y.shape, values: (await third.y.data()) as Float32Array }],
  ]);
  writeFileSync(path.join(outDir, 'io.safetensors'), writeSafetensors(io));
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  optimizer.dispose();
  model.dispose();
}

async function main(): Promise<void> {
  const [outDir, ...wanted] = process.argv.slice(2);
  if (outDir === '--adam') {
    registerCpuKernelFixes(); // tfjs's cpu ResizeBilinear gradient is wrong for non-square images
    await tf.setBackend('cpu');
    return adamSteps(wanted[0]!);
  }
  if (outDir === '--read') {
    const tensors = readSafetensors(new Uint8Array(readFileSync(wanted[0]!)), wanted[0]!);
    const out = Object.fromEntries([...tensors].map(([name, w]) => [name, { shape: w.shape, sum: w.values.reduce((a, b) => a + b, 0) }]));
    console.log(JSON.stringify(out));
    return;
  }
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
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(await modelToTorchTensors(model)));
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
    writeFileSync(path.join(dir, 'io.safetensors'), writeSafetensors(io));
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
