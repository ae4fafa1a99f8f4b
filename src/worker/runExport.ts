/** Runs and models in and out of the studio: export as a zip, import for inference, fine-tuning or to continue a run. */
import type * as tf from '@tensorflow/tfjs';
import { disposeModel } from '../ml/train/disposeModel';
import { captureCheckpoint, modelFromCheckpoint, type Checkpoint } from '../ml/io/checkpoint';
import { buildExportZip, exportOnnx } from '../ml/io/export';
import { loadModel, readModelFiles } from '../ml/io/import';
import { countTrainableParams, isPresetName } from '../ml/model';
import type { TrainConfig } from '../ml/train/config';
import { DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import { importedRun, saveImportedRun } from './importedRun';
import { torchJobZip } from './torchJobZip';
import type { ExportFormat } from './protocol';
import type { StoredState } from './runHooks';
import type { RunContext } from './runState';

/** The best checkpoint saved in IndexedDB for this run. */
async function bestCheckpoint(ctx: RunContext, id: number, runId: string): Promise<Checkpoint> {
  const db = await ctx.store.db(id);
  const stored = db ? await db.getCheckpoint<StoredState>(runId, 'best') : undefined;
  if (!stored) throw new Error('No best checkpoint is saved yet: one is kept after each epoch that improves validation Dice.');
  return stored.checkpoint;
}

/**
 * A consistent snapshot (weights are cloned at once), so export works while training goes on: the
 * zip (with model.onnx) or the ONNX file alone, whose metadata names the run, checkpoint, preset,
 * size and threshold. The snapshot's model is disposed whatever happens.
 */
export async function exportRun(ctx: RunContext, id: number, which: 'latest' | 'best', format: ExportFormat = 'zip'): Promise<void> {
  if (!ctx.current) throw new Error('Train or resume a run before exporting.');
  const { trainer, run } = ctx.current;
  const snapshot =
    which === 'best'
      ? await bestCheckpoint(ctx, id, run.id)
      : // The PyTorch job carries the optimizer's state too, so the cluster continues its moments.
        await captureCheckpoint(
          trainer.model,
          format === 'torch' ? trainer.optimizer : null,
          run.config.optimizer,
          trainer.progress.epoch,
          trainer.progress.step,
        );
  const model = await modelFromCheckpoint(snapshot);
  try {
    const { steps: _steps, ...runJson } = run;
    void _steps;
    const exported = { ...runJson, exported: { which, epoch: snapshot.epoch, step: snapshot.step } };
    const bytes =
      format === 'onnx'
        ? await exportOnnx(model, exported)
        : format === 'torch'
          ? await torchJobZip(model, exported, snapshot.epoch, snapshot.optimizer)
          : ((await buildExportZip(model, exported, run.history)) as Uint8Array<ArrayBuffer>);
    const name = `${run.name || run.id}${which === 'best' ? '-best' : ''}${format === 'torch' ? '-pytorch-job.zip' : `.${format}`}`.replace(/[^\w.-]+/g, '-');
    ctx.post({ type: 'export-ready', id, filename: name, format, bytes }, [bytes.buffer]);
  } finally {
    disposeModel(model);
  }
}

export async function importModel(ctx: RunContext, id: number, files: Array<{ name: string; bytes: ArrayBuffer }>): Promise<void> {
  const result = await readModelFiles(files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
  if (!result.ok) throw new Error(`Import refused: ${result.reason}`);
  const model = await loadModel(result.artifacts);
  if (ctx.importedModel) disposeModel(ctx.importedModel);
  ctx.importedModel = model;
  const [, h, w] = model.inputs[0].shape as number[];
  let note = '';
  if (result.run != null) {
    const restored = importedRun(result.run, model, Date.now());
    const saved = restored.ok && (await ctx.store.save(id, (db) => saveImportedRun(db, model, restored)));
    if (restored.ok && saved)
      note = ` Its run, ${restored.run.history.length} of ${restored.run.config.epochs} epochs, is in the runs list: ${restored.run.history.length < restored.run.config.epochs ? 'resume it to continue training' : 'continue it to train more epochs'}.`;
    if (!restored.ok) note = ` Its ${restored.reason}, so it is not in the runs list.`;
    if (saved) await ctx.store.list(id);
  }
  ctx.post({
    type: 'imported',
    id,
    message: `Imported a model for ${h}x${w} images (${countTrainableParams(model).toLocaleString('en-US')} parameters).${note}`,
  });
}

/** A trainable copy of the imported model (its own architecture, whatever the preset setting says). */
export async function importedCopy(ctx: RunContext, height: number, width: number): Promise<{ model: tf.LayersModel; preset: TrainConfig['preset'] }> {
  const imported = ctx.importedModel;
  if (!imported) throw new Error('Import a model before fine-tuning it.');
  const [, h, w] = imported.inputs[0].shape as number[];
  if (h !== height || w !== width) {
    throw new Error(`The imported model takes ${h}x${w} images but the data is loaded at ${height}x${width}: set the input size to ${h}x${w}.`);
  }
  if (!isPresetName(imported.name))
    throw new Error(`The imported model "${imported.name}" is not one of the studio's presets, so it cannot be fine-tuned here.`);
  const snapshot = await captureCheckpoint(imported, null, DEFAULT_OPTIMIZER, 0, 0);
  return { model: await modelFromCheckpoint(snapshot), preset: imported.name };
}
