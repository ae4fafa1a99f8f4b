/**
 * How the guided upscale's constants were chosen: a model's probability maps on a folder of
 * pre-decoded test photos, upscaled to the photos' size by bilinear and by the guided filter over a
 * grid of radius-per-factor x eps x guide, each scored by mean per-image Dice at full size against
 * the full-size masks; and the filter's time at Carvana's 1918x1280.
 *
 *   /usr/bin/python3 bench/guided_prep.py --cars A,B,C --size 64x96 --out DIR   (decodes once, as the studio does)
 *   npx tsx bench/guided-search.ts --model OUT --frames DIR [--json FILE]
 *
 * In Node on tfjs's wasm backend (Node runs its SIMD binary from node_modules; the cpu backend's
 * convolutions are too slow for this).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { bilinearResize, refineWithPhoto, upscaleFactor, type GuidedParameters } from '../src/data/guidedUpsample';
import { loadModel, readModelFiles } from '../src/ml/io/import';
import { predictRgba } from '../src/ml/train/predict';
import { metricsFromCounts } from '../src/ml/metrics';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

const modelDir = flag('--model');
const framesDir = flag('--frames');
if (!modelDir || !framesDir) throw new Error('usage: npx tsx bench/guided-search.ts --model OUT --frames DIR [--json FILE]');

interface Frame {
  name: string;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  mask: Uint8Array;
  probabilities: Uint8Array;
}

function rgbaOf(rgb: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let p = 0; p < rgb.length / 3; p++) {
    out.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    out[p * 4 + 3] = 255;
  }
  return out;
}

function dice(map: ArrayLike<number>, mask: Uint8Array, limit: number): number {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let p = 0; p < mask.length; p++) {
    const car = map[p]! > limit;
    if (car) mask[p] ? counts.tp++ : counts.fp++;
    else mask[p] ? counts.fn++ : counts.tn++;
  }
  return metricsFromCounts(counts).dice;
}

async function main(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
  const files = ['model.json', 'weights.bin'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(modelDir!, name))) }));
  const checked = await readModelFiles(files);
  if (!checked.ok) throw new Error(`${modelDir}: ${checked.reason}`);
  const model = await loadModel(checked.artifacts);
  const [, mh, mw] = model.inputs[0]!.shape as number[];
  const index = JSON.parse(readFileSync(path.join(framesDir!, 'index.json'), 'utf8')) as { names: string[]; width: number; height: number };
  const frames: Frame[] = [];
  for (const name of index.names) {
    const small = rgbaOf(new Uint8Array(readFileSync(path.join(framesDir!, `${name}.small`))));
    frames.push({
      name,
      width: index.width,
      height: index.height,
      rgba: rgbaOf(new Uint8Array(readFileSync(path.join(framesDir!, `${name}.rgb`)))),
      mask: new Uint8Array(readFileSync(path.join(framesDir!, `${name}.mask`))),
      probabilities: await predictRgba(model, small, mh!, mw!, false),
    });
    process.stderr.write(`\rpredicted ${frames.length}/${index.names.length}`);
  }
  model.dispose();
  const factor = upscaleFactor(mw!, mh!, index.width, index.height);
  const score = (upscale: (frame: Frame, map: Float32Array) => Float32Array, input: 'soft' | 'binary' = 'soft') => {
    let sum = 0;
    for (const frame of frames) {
      let map = bilinearResize(frame.probabilities, mw!, mh!, frame.width, frame.height, 1 / 255);
      if (input === 'binary') map = map.map((v) => (v > 0.5 ? 1 : 0));
      sum += dice(upscale(frame, map), frame.mask, 0.5);
    }
    return sum / frames.length;
  };
  const rows: Array<{ method: string; guide?: string; radiusPerFactor?: number; radius?: number; eps?: number; input?: string; dice: number }> = [];
  rows.push({ method: 'bilinear', dice: score((_, map) => map) });
  process.stderr.write(`bilinear ${rows[0]!.dice.toFixed(5)} (factor ${factor.toFixed(2)}, ${frames.length} photos)\n`);
  for (const guide of ['grey', 'colour'] as const) {
    for (const radiusPerFactor of [0.5, 1, 2]) {
      for (const eps of [1e-4, 1e-3, 1e-2]) {
        const parameters: GuidedParameters = { radius: Math.max(1, Math.round(radiusPerFactor * factor)), eps, guide };
        const value = score((frame, map) => refineWithPhoto(map, frame.rgba, frame.width, frame.height, parameters));
        rows.push({ method: 'guided', guide, radiusPerFactor, radius: parameters.radius, eps, input: 'soft', dice: value });
        process.stderr.write(`guided ${guide} r ${parameters.radius} (${radiusPerFactor} x factor) eps ${eps}: ${value.toFixed(5)}\n`);
      }
    }
  }
  const best = rows.filter((r) => r.method === 'guided').sort((a, b) => b.dice - a.dice)[0]!;
  const bestParameters: GuidedParameters = { radius: best.radius!, eps: best.eps!, guide: best.guide as GuidedParameters['guide'] };
  const binary = score((frame, map) => refineWithPhoto(map, frame.rgba, frame.width, frame.height, bestParameters), 'binary');
  rows.push({ ...best, input: 'binary', dice: binary });
  process.stderr.write(`best guided on the thresholded bilinear mask instead of the probabilities: ${binary.toFixed(5)}\n`);

  // Time at Carvana's own size, a synthetic photo (the filter's cost does not depend on the pixels).
  const [W, H] = [1918, 1280];
  const photo = new Uint8ClampedArray(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 2654435761) >>> 24));
  const map = bilinearResize(frames[0]!.probabilities, mw!, mh!, W, H, 1 / 255);
  const timing: Record<string, number> = {};
  for (const guide of ['grey', 'colour'] as const) {
    const parameters: GuidedParameters = { ...bestParameters, guide, radius: Math.max(1, Math.round(best.radiusPerFactor! * upscaleFactor(mw!, mh!, W, H))) };
    refineWithPhoto(map, photo, W, H, parameters);
    const began = performance.now();
    refineWithPhoto(map, photo, W, H, parameters);
    timing[guide] = performance.now() - began;
    process.stderr.write(`${W}x${H} guided ${guide}: ${timing[guide]!.toFixed(0)} ms\n`);
  }
  const began = performance.now();
  bilinearResize(frames[0]!.probabilities, mw!, mh!, W, H, 1 / 255);
  timing.bilinear = performance.now() - began;
  const result = {
    model: path.resolve(modelDir!),
    frames: path.resolve(framesDir!),
    photos: frames.length,
    modelSize: [mh, mw],
    factor,
    rows,
    best,
    binary,
    msAt1918x1280: timing,
    tf: tf.version.tfjs,
  };
  const json = flag('--json');
  if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ best, bilinear: rows[0]!.dice, binary, msAt1918x1280: timing })}\n`);
}

void main();
