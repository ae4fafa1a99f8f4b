/**
 * The Quick check: a few training steps of a preset, on the loaded train split or on generated
 * ellipses, to see that a backend trains and how fast (protocol: 'demo-train' ... 'done'; 'stop').
 */
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../data/batches';
import { splitView } from '../data/dataset';
import { ellipseDataset } from '../data/shapes';
import { warmUpMessage } from '../ml/backend';
import { DEFAULT_LOSS } from '../ml/loss';
import { buildPreset, countTrainableParams } from '../ml/model';
import { median } from '../data/stats';
import { runSteps } from '../ml/train/loop';
import { disposeModel } from '../ml/train/disposeModel';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import type { DemoTrainRequest, Post } from './protocol';
import type { Session } from './session';

export class QuickCheck {
  private stopRequested = false;

  constructor(
    private readonly post: Post,
    private readonly session: Session,
  ) {}

  stop(): void {
    this.stopRequested = true;
  }

  async run(request: DemoTrainRequest): Promise<void> {
    const { id, preset, steps, batchSize, seed } = request;
    const { post } = this;
    this.stopRequested = false;
    const loaded = request.useDataset ? this.session.dataset : null;
    if (request.useDataset && !loaded) throw new Error('No dataset is loaded.');
    const size = loaded ? { height: loaded.result.set.height, width: loaded.result.set.width } : {};
    // A view of the train split: the loaded pixels are not copied.
    const data = loaded ? splitView(loaded.result.set, loaded.indices.train) : null;
    if (data?.count === 0) throw new Error('The train split is empty: load more pairs or change the split.');
    post({ type: 'progress', id, phase: 'building', message: `Building ${preset}...` });
    const model = buildPreset(preset, size);
    const [, height, width] = model.inputs[0].shape as number[];
    const optimizer = createOptimizer(DEFAULT_OPTIMIZER);
    const pairs = data ?? ellipseDataset(Math.max(batchSize * 4, 8), height, width, seed);
    try {
      post({ type: 'progress', id, phase: 'compiling', message: `${warmUpMessage()}...` });
      const reports = await runSteps(model, optimizer, {
        steps,
        loss: DEFAULT_LOSS,
        nextBatch: (step) =>
          makeBatch(
            pairs,
            Array.from({ length: batchSize }, (_, k) => ((step - 1) * batchSize + k) % pairs.count),
          ),
        onStep: (report) => {
          if (report.step === 1) post({ type: 'progress', id, phase: 'training', message: 'Training' });
          post({ type: 'step', id, ...report, numTensors: tf.memory().numTensors });
        },
        shouldStop: () => this.stopRequested,
      });
      // The first step compiles shaders; the median of the rest is the steady-state cost.
      post({ type: 'done', id, steps: reports.length, medianMs: median(reports.slice(1).map((r) => r.ms)), params: countTrainableParams(model) });
    } finally {
      disposeModel(model, optimizer);
    }
  }
}
