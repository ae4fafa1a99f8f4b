/**
 * The runs of the worker, one entry point per request: lifecycle (start, resume, steer), storage,
 * export/import and prediction live in their own modules and share one RunContext.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LiveSettings, TrainConfig } from '../ml/train/config';
import { watchWebGpuDevice, type DeviceWatch } from './deviceLoss';
import type { ExportFormat, Post, PredictRequest, RunAction } from './protocol';
import * as lifecycle from './runLifecycle';
import { exportRun, importModel } from './runExport';
import { importTorchRun, runFilesOf } from './torchRun';
import { inspectTest, predict, testNow } from './runPredict';
import type { RunContext } from './runState';
import { RunStore } from './runStore';
import type { Session } from './session';

/** Whether the chosen files are a RUN; a zip too big or broken is for the import that reads it to refuse. */
function isRun(files: Array<{ name: string; bytes: Uint8Array }>): boolean {
  try {
    return runFilesOf(files, Infinity) !== null;
  } catch {
    return true;
  }
}

export class RunManager {
  private readonly ctx: RunContext;

  constructor(post: Post, session: Session, watchDevice: DeviceWatch = watchWebGpuDevice) {
    this.ctx = { post, session, store: new RunStore(post), watchDevice, current: null, importedModel: null };
  }

  get importedModel(): tf.LayersModel | null {
    return this.ctx.importedModel;
  }

  start = (id: number, config: TrainConfig, name: string, fromImported = false) => lifecycle.start(this.ctx, id, config, name, fromImported);
  resume = (id: number, runId: string, moreEpochs = 0) => lifecycle.resume(this.ctx, id, runId, moreEpochs);
  control = (action: RunAction) => lifecycle.control(this.ctx, action);
  update = (settings: Partial<LiveSettings>) => lifecycle.update(this.ctx, settings);
  overlaysNow = () => lifecycle.overlaysNow(this.ctx);
  remove = (id: number, runId: string) => lifecycle.remove(this.ctx, id, runId);
  list = (id: number) => this.ctx.store.list(id);
  testNow = (id: number, threshold?: number) => testNow(this.ctx, id, threshold);
  inspectTest = (id: number, name: string) => inspectTest(this.ctx, id, name);
  predict = (request: PredictRequest) => predict(this.ctx, request);
  export = (id: number, which: 'latest' | 'best', format: ExportFormat = 'zip') => exportRun(this.ctx, id, which, format);
  /** A RUN from a PyTorch job (model.safetensors among the files or in the zip), else a tfjs model. */
  import = (id: number, files: Array<{ name: string; bytes: ArrayBuffer }>) => {
    const chosen = files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));
    return isRun(chosen) ? importTorchRun(this.ctx, id, chosen) : importModel(this.ctx, id, files);
  };
}
