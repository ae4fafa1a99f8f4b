/**
 * The runs of the worker: start, steer, persist, resume, export and import. Training goes on in
 * the background while other requests are answered; controls reach the Trainer directly.
 */
import * as tf from '@tensorflow/tfjs';
import { subset, type PixelSet } from '../data/dataset';
import { captureCheckpoint, modelFromCheckpoint, restoreOptimizer, restoreWeights, type Checkpoint } from '../ml/io/checkpoint';
import { buildExportZip } from '../ml/io/export';
import { loadModel, readModelFiles } from '../ml/io/import';
import { buildPreset, countTrainableParams, isPresetName } from '../ml/model';
import { withChanges, type LiveSettings, type TrainConfig } from '../ml/train/config';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import { predictProbabilities } from '../ml/train/predict';
import { Trainer, type Progress, type RunOutcome } from '../ml/train/trainer';
import { datasetFingerprint, newRunId, openStudioDb, type RunRecord, type StudioDb } from './persistence';
import { deviceLoss, watchWebGpuDevice, type DeviceWatch } from './deviceLoss';
import { importedRun, saveImportedRun } from './importedRun';
import { datasetOf, saveRunWithData } from './runData';
import { overlaySource, predictFiles, predictPairs } from './inference';
import type { OverlaySource, Post, PredictRequest, RunAction } from './protocol';
import { runHooks, type StoredState } from './runHooks';
import type { LoadedDataset, Session } from './session';

function modelOverrides({ height, width, base }: TrainConfig) {
  return { height, width, ...(base !== undefined && { base }) };
}

export class RunManager {
  private trainer: Trainer | null = null;
  private run: RunRecord | null = null;
  /** The run's own split, as it trains and tests on it (the session's may be re-split later). */
  private data: { train: PixelSet; val: PixelSet; test: PixelSet } | null = null;
  private active = false;
  private dbPromise: Promise<StudioDb | null> | null = null;
  importedModel: tf.LayersModel | null = null;

  constructor(
    private readonly post: Post,
    private readonly session: Session,
    private readonly watchDevice: DeviceWatch = watchWebGpuDevice,
  ) {}

  /** IndexedDB, opened once; when it cannot open, runs go on unsaved and the page is told why. */
  private db(id: number): Promise<StudioDb | null> {
    this.dbPromise ??= openStudioDb().catch((error: Error) => {
      this.post({ type: 'storage-error', id, message: `Runs cannot be saved in this browser: ${error.message}` });
      return null;
    });
    return this.dbPromise;
  }

  /** Runs a storage write; a failure is reported, never silent, and never stops training. */
  private async save(id: number, what: (db: StudioDb) => Promise<void>): Promise<boolean> {
    const db = await this.db(id);
    if (!db) return false;
    try {
      await what(db);
      return true;
    } catch (error) {
      this.post({ type: 'storage-error', id, message: (error as Error).message });
      return false;
    }
  }

  private requireDataset(): LoadedDataset {
    const loaded = this.session.dataset;
    if (!loaded) throw new Error('Load a dataset first (the sample dataset is one click away).');
    return loaded;
  }

  /** A trainable copy of the imported model (its own architecture, whatever the preset setting says). */
  private async importedCopy(height: number, width: number): Promise<{ model: tf.LayersModel; preset: TrainConfig['preset'] }> {
    const imported = this.importedModel;
    if (!imported) throw new Error('Import a model before fine-tuning it.');
    const [, h, w] = imported.inputs[0].shape as number[];
    if (h !== height || w !== width) {
      throw new Error(`The imported model takes ${h}x${w} images but the data is loaded at ${height}x${width}: set the input size to ${h}x${w}.`);
    }
    if (!isPresetName(imported.name)) throw new Error(`The imported model "${imported.name}" is not one of the studio's presets, so it cannot be fine-tuned here.`);
    const snapshot = await captureCheckpoint(imported, null, DEFAULT_OPTIMIZER, 0, 0);
    return { model: await modelFromCheckpoint(snapshot), preset: imported.name };
  }

  async start(id: number, requested: TrainConfig, name: string, fromImported = false): Promise<void> {
    if (this.active) throw new Error('A run is already going: stop it before starting another.');
    const loaded = this.requireDataset();
    const { set } = loaded.result;
    const base = fromImported ? await this.importedCopy(set.height, set.width) : null;
    const config: TrainConfig = { ...requested, height: set.height, width: set.width, ...(base && { preset: base.preset }) };
    const model = base?.model ?? buildPreset(config.preset, modelOverrides(config));
    const now = Date.now();
    const run: RunRecord = {
      id: newRunId(),
      name,
      createdAt: now,
      updatedAt: now,
      status: 'running',
      config,
      split: loaded.splitSummary,
      history: [],
      steps: [],
      changes: [],
      best: null,
      test: null,
      dataset: datasetOf(loaded, this.session.source),
      message: null,
    };
    await this.save(id, (db) => saveRunWithData(db, run, loaded, this.session.source));
    this.launch(id, model, createOptimizer(config.optimizer), run, loaded, undefined);
  }

  /** An imported run has no data of its own: it continues on the data loaded now, at its size. */
  private async adoptLoadedData(id: number, run: RunRecord): Promise<NonNullable<RunRecord['dataset']>> {
    const loaded = this.requireDataset();
    const { height, width } = loaded.result.set;
    if (height !== run.config.height || width !== run.config.width) {
      throw new Error(`The imported run trains on ${run.config.height}x${run.config.width} images but the data is loaded at ${height}x${width}: load it at ${run.config.height}x${run.config.width}.`);
    }
    run.dataset = datasetOf(loaded, this.session.source);
    run.split = loaded.splitSummary;
    await this.save(id, (db) => saveRunWithData(db, run, loaded, this.session.source));
    return run.dataset;
  }

  async resume(id: number, runId: string, moreEpochs = 0): Promise<void> {
    if (this.active) throw new Error('A run is already going: stop it before resuming another.');
    const db = await this.db(id);
    if (!db) throw new Error('Browser storage is not available, so there is no saved run to resume.');
    const run = await db.getRun(runId);
    const stored = await db.getCheckpoint<StoredState>(runId, 'latest');
    if (!run || !stored) throw new Error(`Run ${runId} has no saved checkpoint to resume from.`);
    // Only an imported run has no data of its own.
    const dataset = run.dataset ?? (await this.adoptLoadedData(id, run));
    let loaded = this.session.dataset;
    const current = loaded && datasetFingerprint(loaded.result.set.names, loaded.result.set.height, loaded.result.set.width);
    if (current !== dataset.fingerprint) {
      const data = await db.getDataset(dataset.fingerprint);
      if (!data) {
        throw new Error(`The data of this run is not stored: load the same files (${dataset.pairs} pairs at ${dataset.height}x${dataset.width}) and resume again.`);
      }
      loaded = this.session.adopt(id, data, run.split, this.post);
    }
    // Live changes made after the checkpoint (and in records saved before the config followed them) count.
    run.config = withChanges(run.config, run.changes);
    if (moreEpochs > 0) run.config = { ...run.config, epochs: run.history.length + moreEpochs };
    const progress: Progress = { ...stored.progress, learningRate: run.config.optimizer.learningRate };
    const model = buildPreset(run.config.preset, modelOverrides(run.config));
    let optimizer: tf.Optimizer;
    try {
      await restoreWeights(model, stored.checkpoint);
      optimizer = (await restoreOptimizer(stored.checkpoint, model)) ?? createOptimizer(run.config.optimizer);
    } catch (error) {
      model.dispose(); // a checkpoint that does not fit leaves no model behind
      throw error;
    }
    run.status = 'running';
    this.launch(id, model, optimizer, run, loaded!, progress);
  }

  private launch(id: number, model: tf.LayersModel, optimizer: tf.Optimizer, run: RunRecord, loaded: LoadedDataset, progress: Progress | undefined): void {
    const { set } = loaded.result;
    const data = { train: subset(set, loaded.indices.train), val: subset(set, loaded.indices.val), test: subset(set, loaded.indices.test) };
    const trainer = new Trainer(model, optimizer, run.config, data, runHooks(id, run, this.post, (what) => this.save(id, what)), progress);
    this.trainer = trainer;
    this.run = run;
    this.data = data;
    this.active = true;
    const sources: OverlaySource[] = trainer.trackedIndices.map((i) => overlaySource(data.val, i));
    this.post({ type: 'run-started', id, run, params: countTrainableParams(model), sources, resumed: progress != null });
    void this.loop(id, trainer, run, deviceLoss(this.watchDevice, trainer));
  }

  private async loop(id: number, trainer: Trainer, run: RunRecord, lost: Promise<never>): Promise<void> {
    let outcome: RunOutcome;
    try {
      // After a NaN the trainer has paused itself; the next run() waits for resume.
      while ((outcome = await Promise.race([trainer.run(), lost])) === 'nan');
      if (outcome !== 'stopped') {
        const result = await Promise.race([trainer.test(), lost]);
        run.test = result.mean;
        this.post({ type: 'test-result', id, runId: run.id, result });
      }
      run.status = outcome === 'stopped' ? 'stopped' : 'done';
      run.message = outcome === 'early-stopped' ? 'Stopped early: validation Dice stopped improving.' : null;
      this.post({ type: 'run-status', id, runId: run.id, status: outcome === 'early-stopped' ? 'early-stopped' : run.status, message: run.message ?? (outcome === 'stopped' ? 'Stopped: everything trained so far is kept.' : 'Done') });
    } catch (error) {
      // Out of memory or a lost GPU device: the last checkpoint is in IndexedDB; another backend can resume it.
      run.status = 'failed';
      run.message = `${(error as Error).message}. The last checkpoint is saved: choose another backend and resume this run.`;
      this.post({ type: 'run-status', id, runId: run.id, status: 'failed', message: run.message });
    } finally {
      this.active = false;
      run.updatedAt = Date.now();
      await this.save(id, (db) => db.putRun(run));
    }
  }

  control(action: RunAction): void {
    if (!this.trainer) throw new Error('No run to control.');
    if (action === 'pause') this.trainer.pause();
    else if (action === 'resume') this.trainer.resume();
    else this.trainer.stop();
  }

  update(settings: Partial<LiveSettings>): void {
    if (!this.trainer || !this.active) throw new Error('No live run: the change will apply to the next run.');
    this.trainer.update(settings);
  }

  overlaysNow(): void {
    this.trainer?.requestOverlays();
  }

  async testNow(id: number, threshold?: number): Promise<void> {
    if (!this.trainer || !this.run) throw new Error('No trained model to test yet.');
    const result = await this.trainer.test(threshold);
    this.post({ type: 'test-result', id, runId: this.run.id, result });
  }

  async inspectTest(id: number, name: string): Promise<void> {
    if (!this.trainer || !this.run || !this.data) throw new Error('No trained model to inspect yet.');
    const index = this.data.test.names.indexOf(name);
    if (index < 0) throw new Error(`${name} is not in this run's test split.`);
    const [map] = await predictProbabilities(this.trainer.model, this.data.test, [index], 1);
    const source = overlaySource(this.data.test, index);
    this.post({ type: 'test-inspection', id, runId: this.run.id, source, map }, [source.rgb.buffer, source.mask.buffer, map.probabilities.buffer]);
  }

  /** The best checkpoint saved in IndexedDB for this run. */
  private async bestCheckpoint(id: number, runId: string): Promise<Checkpoint> {
    const db = await this.db(id);
    const stored = db ? await db.getCheckpoint<StoredState>(runId, 'best') : undefined;
    if (!stored) throw new Error('No best checkpoint is saved yet: one is kept after each epoch that improves validation Dice.');
    return stored.checkpoint;
  }

  /** A consistent snapshot (weights are cloned at once), so export works while training goes on. */
  async export(id: number, which: 'latest' | 'best'): Promise<void> {
    if (!this.trainer || !this.run) throw new Error('Train or resume a run before exporting.');
    const snapshot =
      which === 'best'
        ? await this.bestCheckpoint(id, this.run.id)
        : await captureCheckpoint(this.trainer.model, null, this.run.config.optimizer, this.trainer.progress.epoch, this.trainer.progress.step);
    const model = await modelFromCheckpoint(snapshot);
    try {
      const { steps: _steps, ...runJson } = this.run;
      void _steps;
      const exported = { ...runJson, exported: { which, epoch: snapshot.epoch, step: snapshot.step } };
      const zip = (await buildExportZip(model, exported, this.run.history)) as Uint8Array<ArrayBuffer>;
      const name = `${this.run.name || this.run.id}${which === 'best' ? '-best' : ''}.zip`.replace(/[^\w.-]+/g, '-');
      this.post({ type: 'export-ready', id, filename: name, zip }, [zip.buffer]);
    } finally {
      model.dispose();
    }
  }

  async import(id: number, files: Array<{ name: string; bytes: ArrayBuffer }>): Promise<void> {
    const result = await readModelFiles(files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
    if (!result.ok) throw new Error(`Import refused: ${result.reason}`);
    const model = await loadModel(result.artifacts);
    this.importedModel?.dispose();
    this.importedModel = model;
    const [, h, w] = model.inputs[0].shape as number[];
    let note = '';
    if (result.run != null) {
      const restored = importedRun(result.run, model, Date.now());
      const saved = restored.ok && (await this.save(id, (db) => saveImportedRun(db, model, restored)));
      if (restored.ok && saved) note = ` Its run, ${restored.run.history.length} of ${restored.run.config.epochs} epochs, is in the runs list: ${restored.run.history.length < restored.run.config.epochs ? 'resume it to continue training' : 'continue it to train more epochs'}.`;
      if (!restored.ok) note = ` Its ${restored.reason}, so it is not in the runs list.`;
      if (saved) await this.list(id);
    }
    this.post({ type: 'imported', id, message: `Imported a model for ${h}x${w} images (${countTrainableParams(model).toLocaleString('en-US')} parameters).${note}` });
  }

  async predict(request: PredictRequest): Promise<void> {
    const model = request.model === 'imported' ? this.importedModel : this.trainer?.model;
    if (!model) throw new Error(request.model === 'imported' ? 'Import a model first.' : 'Train, resume or import a model first.');
    const results = [...(await predictFiles(model, request.images, request.flipTta))];
    if (request.testPairs.length) {
      const loaded = this.requireDataset();
      const [, h, w] = model.inputs[0].shape as number[];
      if (loaded.result.set.height !== h || loaded.result.set.width !== w) {
        throw new Error(`The model takes ${h}x${w} images but the dataset is loaded at ${loaded.result.set.height}x${loaded.result.set.width}: choose photos instead, or reload the data at ${h}x${w}.`);
      }
      const indices = request.testPairs.map((i) => loaded.indices.test[i]).filter((i) => i != null);
      results.push(...(await predictPairs(model, loaded.result.set, indices, request.flipTta)));
    }
    this.post(
      { type: 'prediction', id: request.id, model: request.model, results },
      results.flatMap((r) => [r.rgba.buffer, r.probabilities.buffer, r.modelProbabilities.buffer]),
    );
  }

  async list(id: number): Promise<void> {
    const db = await this.db(id);
    const runs = db ? await db.listRuns() : [];
    this.post({ type: 'runs', id, runs: runs.map(({ steps: _steps, ...rest }) => (void _steps, rest)) });
  }

  async remove(id: number, runId: string): Promise<void> {
    if (this.active && this.run?.id === runId) throw new Error('Stop this run before deleting it.');
    await this.save(id, (db) => db.deleteRun(runId));
    await this.list(id);
  }
}
