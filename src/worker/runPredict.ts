/** The current run's (or the imported) model on data: test metrics, one test image inspected, predictions for the page. */
import { predictProbabilities } from '../ml/train/predict';
import { overlaySource, predictFiles, predictPairs } from './inference';
import type { PredictRequest } from './protocol';
import { requireDataset, type RunContext } from './runState';

export async function testNow(ctx: RunContext, id: number, threshold?: number): Promise<void> {
  if (!ctx.current) throw new Error('No trained model to test yet.');
  const result = await ctx.current.trainer.test(threshold);
  ctx.post({ type: 'test-result', id, runId: ctx.current.run.id, result });
}

/** One image of the run's own test split: its photo, truth and the model's prediction. */
export async function inspectTest(ctx: RunContext, id: number, name: string): Promise<void> {
  if (!ctx.current) throw new Error('No trained model to inspect yet.');
  const { trainer, run, data } = ctx.current;
  const index = data.test.names.indexOf(name);
  if (index < 0) throw new Error(`${name} is not in this run's test split.`);
  const [map] = await predictProbabilities(trainer.model, data.test, [index], 1);
  const source = overlaySource(data.test, index);
  ctx.post({ type: 'test-inspection', id, runId: run.id, source, map }, [source.rgb.buffer, source.mask.buffer, map.probabilities.buffer]);
}

export async function predict(ctx: RunContext, request: PredictRequest): Promise<void> {
  const model = request.model === 'imported' ? ctx.importedModel : ctx.current?.trainer.model;
  if (!model) throw new Error(request.model === 'imported' ? 'Import a model first.' : 'Train, resume or import a model first.');
  const results = [...(await predictFiles(model, request.images, request.flipTta))];
  if (request.testPairs.length) {
    // Test pairs are numbered as the page shows them: in the session's split.
    const loaded = requireDataset(ctx);
    const [, h, w] = model.inputs[0].shape as number[];
    if (loaded.result.set.height !== h || loaded.result.set.width !== w) {
      throw new Error(
        `The model takes ${h}x${w} images but the dataset is loaded at ${loaded.result.set.height}x${loaded.result.set.width}: choose photos instead, or reload the data at ${h}x${w}.`,
      );
    }
    const indices = request.testPairs.map((i) => loaded.indices.test[i]).filter((i) => i != null);
    results.push(...(await predictPairs(model, loaded.result.set, indices, request.flipTta)));
  }
  ctx.post(
    { type: 'prediction', id: request.id, model: request.model, results },
    results.flatMap((r) => [r.rgba.buffer, r.probabilities.buffer, r.modelProbabilities.buffer]),
  );
}
