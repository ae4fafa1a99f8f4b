/**
 * The training loop of a run: epochs over a seeded order, live settings applied at the next step,
 * pause/resume/stop, schedules, early stopping, checkpoints and a NaN guard. Pure tfjs: the worker
 * turns its hooks into events.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch } from '../../data/augment';
import { chunk, resizeBatch, epochOrder, makeBatch, sequentialBatches } from '../../data/batches';
import { hashString } from '../../data/random';
import { captureCheckpoint, restoreOptimizer, restoreWeights, type Checkpoint } from '../io/checkpoint';
import { applyAtAnySize } from '../model/anySize';
import { withLiveSetting, type EpochRecord, type LiveSettings, type TrainConfig } from './config';
import { warmUpMessage } from '../backend';
import { evaluate } from './evaluate';
import { getLearningRate, setLearningRate } from './optimizer';
import { predictProbabilities } from './predict';
import {
  initialProgress,
  type Progress,
  type RunOutcome,
  type RunReason,
  type RunState,
  type RunStatus,
  type TestResult,
  type TrainerData,
  type TrainerHooks,
} from './contract';
import { EpochDecisions } from './epochDecisions';
import { RunControl, yieldToEventLoop } from './runControl';
import { checkSmallFirst, smallSizeAt, trainingMessage } from './smallFirst';
import { cosineRate, warmupCosineRate } from './schedule';
import { trainStep, trainableVariables } from './step';
import { RecentStepTimes } from './stepTimes';
import { TimeLimit } from './timeLimit';

export {
  initialProgress,
  type Progress,
  type RunOutcome,
  type RunReason,
  type RunState,
  type RunStatus,
  type TestResult,
  type TrainerData,
  type TrainerHooks,
} from './contract';

export class Trainer {
  private readonly control = new RunControl();
  private pending: Partial<LiveSettings> = {};
  private overlaysRequested = false;
  private lastGood: Checkpoint | null = null;
  private state: RunState | null = null;
  readonly progress: Progress;
  /** The run's settings as they stand, live changes included. */
  config: TrainConfig;

  constructor(
    readonly model: tf.LayersModel,
    public optimizer: tf.Optimizer,
    config: TrainConfig,
    private readonly data: TrainerData,
    private readonly hooks: TrainerHooks,
    progress?: Progress,
  ) {
    this.config = structuredClone(config);
    this.progress = progress ? structuredClone(progress) : initialProgress(config);
    if (data.train.count === 0) throw new Error('The train split is empty: load more pairs or change the split.');
    checkSmallFirst(this.config);
  }

  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  stop(): void {
    this.control.stop();
  }

  /** The run cannot go on on this device (it was lost): the loop throws `error` at the next step. */
  abort(error: Error): void {
    this.control.abort(error);
  }

  /** Queues live settings; they apply before the next step and are recorded with its number. */
  update(settings: Partial<LiveSettings>): void {
    this.pending = { ...this.pending, ...settings };
  }

  /** Overlays of the tracked images now: before the next step, or at once while paused. */
  requestOverlays(): void {
    this.overlaysRequested = true;
    this.control.poke();
  }

  /** The validation images whose predictions are drawn every epoch: spread evenly, so several cars show. */
  get trackedIndices(): number[] {
    const count = Math.min(this.config.overlayCount, this.data.val.count);
    return Array.from({ length: count }, (_, i) => Math.floor((i * this.data.val.count) / count));
  }

  private currentSettings(): LiveSettings {
    const { loss, augment, overlayEvery, threshold } = this.config;
    return { learningRate: this.progress.learningRate, loss, augment, overlayEvery, threshold };
  }

  private applyPending(): void {
    const before = this.currentSettings();
    for (const [field, value] of Object.entries(this.pending) as Array<[keyof LiveSettings, unknown]>) {
      if (JSON.stringify(before[field]) === JSON.stringify(value)) continue;
      if (field === 'learningRate') this.progress.learningRate = value as number;
      this.config = withLiveSetting(this.config, field, value);
      this.hooks.onChange({ step: this.progress.step + 1, epoch: this.progress.epoch, field, from: before[field], to: value });
    }
    this.pending = {};
  }

  private totalSteps(): number {
    return this.config.schedule.totalSteps ?? this.config.epochs * Math.ceil(this.data.train.count / this.config.batchSize);
  }

  /** The rate of the next step: the base rate, scaled by the schedule. */
  private rateForStep(step: number): number {
    const { schedule } = this.config;
    if (schedule.name === 'cosine') return cosineRate(this.progress.learningRate, step, this.totalSteps(), schedule.minFactor);
    if (schedule.name === 'warmup-cosine')
      return warmupCosineRate(this.progress.learningRate, step, this.totalSteps(), schedule.minFactor, schedule.warmupFraction);
    if (schedule.name === 'plateau') return this.progress.learningRate * this.progress.plateauMultiplier;
    return this.progress.learningRate;
  }

  /** Reports a status once, not every step. */
  private setStatus(status: RunStatus, message: string, reason: RunReason | null = null): void {
    const last = this.state;
    if (last && last.status === status && last.reason === reason && last.message === message) return;
    this.state = { status, reason, message };
    this.hooks.onStatus(this.state);
  }

  /** While paused: say so (keeping a NaN message) and serve overlay requests. */
  private async whilePaused(): Promise<void> {
    // A pause the NaN guard made keeps its reason and message until the person resumes.
    if (this.state?.status !== 'paused') this.setStatus('paused', 'Paused', 'user');
    await this.overlaysIfRequested();
  }

  private async overlaysIfRequested(): Promise<void> {
    if (!this.overlaysRequested) return;
    this.overlaysRequested = false;
    await this.emitOverlays();
  }

  private async emitOverlays(): Promise<void> {
    const maps = await predictProbabilities(this.model, this.data.val, this.trackedIndices);
    this.hooks.onOverlays({ epoch: this.progress.epoch, step: this.progress.step, maps });
  }

  async run(): Promise<RunOutcome> {
    const variables = trainableVariables(this.model);
    const stepsPerEpoch = Math.ceil(this.data.train.count / this.config.batchSize);
    // Best, plateau and early-stopping counters continue from the saved history.
    const decisions = new EpochDecisions(this.config, this.progress.history);
    this.progress.plateauMultiplier = decisions.plateauMultiplier;
    this.lastGood = await captureCheckpoint(this.model, this.optimizer, this.config.optimizer, this.progress.epoch, this.progress.step);
    const stepMs = new RecentStepTimes(20);
    const limit = new TimeLimit(this.config.timeLimitMinutes, TimeLimit.spentIn(this.progress.history));

    // A finished run opened again (a PyTorch RUN coming home, say) trains nothing: its predictions show once.
    if (this.progress.epoch >= this.config.epochs) await this.emitOverlays();
    // After a NaN the run waits paused, and its message must stay on screen.
    if (!this.control.paused) this.setStatus('compiling', warmUpMessage());
    while (this.progress.epoch < this.config.epochs) {
      const epoch = this.progress.epoch;
      const epochStarted = performance.now();
      let lossSum = 0;
      let lossCount = 0;
      const batches = chunk(epochOrder(this.data.train.count, this.config.seed, epoch), this.config.batchSize);
      for (let b = this.progress.batchInEpoch; b < batches.length; b++) {
        await yieldToEventLoop();
        const waitFrom = performance.now();
        await this.control.waitWhilePaused(() => this.whilePaused());
        limit.excludeSince(waitFrom);
        if (this.control.stopRequested) return (await this.checkpointWhereItStands(), 'stopped');
        // The time limit ends the run as done: what it learnt is kept and tested, as at its last epoch.
        if (limit.reached) return (await this.checkpointWhereItStands(), 'done');
        this.applyPending();
        await this.overlaysIfRequested();
        const started = performance.now();
        const learningRate = this.rateForStep(this.progress.step);
        setLearningRate(this.optimizer, learningRate);
        const loss = await this.step(batches[b], variables, this.progress.step);
        if (!Number.isFinite(loss)) return this.guardNaN(loss, learningRate);
        this.progress.step++;
        this.progress.batchInEpoch = b + 1;
        lossSum += loss;
        lossCount++;
        const ms = performance.now() - started;
        stepMs.add(ms);
        this.setStatus('training', trainingMessage(this.config, this.progress.step - 1));
        this.hooks.onStep({ step: this.progress.step, epoch, loss, learningRate: getLearningRate(this.optimizer), ms });
      }

      this.setStatus('evaluating', `Evaluating epoch ${epoch + 1}`);
      const val = await evaluate(this.model, sequentialBatches(this.data.val, this.config.batchSize), this.config.loss, this.config.threshold);
      // Weights can turn NaN in an epoch's last update with every step loss finite: such an epoch
      // must not become the "last good" checkpoint, or a resume would restore the NaN.
      if (!Number.isFinite(val.loss)) return this.guardNaN(val.loss, this.rateForStep(this.progress.step));
      const seconds = (performance.now() - epochStarted) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        step: this.progress.step,
        trainLoss: lossCount ? lossSum / lossCount : NaN,
        valLoss: val.loss,
        ...val.mean,
        learningRate: this.rateForStep(this.progress.step),
        seconds,
        imagesPerSecond: (lossCount * this.config.batchSize) / seconds,
      };
      this.progress.history.push(record);
      this.progress.epoch = epoch + 1;
      this.progress.batchInEpoch = 0;
      const msPerStep = stepMs.median();
      const memory = tf.memory();
      this.hooks.onEpoch(record, {
        etaSeconds: Math.min(((this.config.epochs - this.progress.epoch) * stepsPerEpoch * msPerStep) / 1000, limit.leftSeconds),
        numTensors: memory.numTensors,
        numBytes: memory.numBytes,
      });
      if ((epoch + 1) % Math.max(1, this.config.overlayEvery) === 0) await this.emitOverlays();

      const decision = decisions.endEpoch(epoch, record.dice);
      this.progress.plateauMultiplier = decisions.plateauMultiplier;
      this.lastGood = await captureCheckpoint(this.model, this.optimizer, this.config.optimizer, this.progress.epoch, this.progress.step);
      if (decision.newBest) {
        this.progress.bestDice = record.dice;
        this.progress.bestEpoch = record.epoch;
        await this.hooks.onCheckpoint('best', this.lastGood, this.progress);
      }
      await this.hooks.onCheckpoint('latest', this.lastGood, this.progress);
      if (decision.stop) return 'early-stopped';
    }
    return 'done';
  }

  /** Stop and the time limit keep everything trained so far: the latest checkpoint is taken where the run stands. */
  private async checkpointWhereItStands(): Promise<void> {
    if (this.progress.step > (this.lastGood?.step ?? 0)) {
      this.lastGood = await captureCheckpoint(this.model, this.optimizer, this.config.optimizer, this.progress.epoch, this.progress.step);
      await this.hooks.onCheckpoint('latest', this.lastGood, this.progress);
    }
  }

  private async step(indices: number[], variables: tf.Variable[], step: number): Promise<number> {
    const raw = makeBatch(this.data.train, indices);
    const augmented = augmentBatch(raw, this.config.augment, hashString(`${this.config.seed}:${step}`));
    tf.dispose([raw.x, raw.y]);
    const small = smallSizeAt(this.config, step);
    const batch = small ? resizeBatch(augmented, ...small) : augmented;
    if (small) tf.dispose([augmented.x, augmented.y]);
    let loss: tf.Scalar | undefined;
    try {
      const forward = small ? (x: tf.Tensor4D) => applyAtAnySize(this.model, x, true) : undefined;
      loss = trainStep(this.model, this.optimizer, batch, this.config.loss, variables, forward);
      return (await loss.data())[0];
    } finally {
      tf.dispose([batch.x, batch.y, loss as tf.Tensor]);
    }
  }

  /** A NaN or infinite loss: put back the last good weights and pause, saying what to change. */
  private async guardNaN(loss: number, learningRate: number): Promise<RunOutcome> {
    if (this.lastGood) {
      await restoreWeights(this.model, this.lastGood);
      // Adam's moments may hold NaN too: the optimizer goes back with the weights.
      const optimizer = await restoreOptimizer(this.lastGood, this.model);
      if (optimizer) {
        this.optimizer.dispose();
        this.optimizer = optimizer;
      }
    }
    this.progress.epoch = this.lastGood?.epoch ?? 0;
    this.progress.step = this.lastGood?.step ?? 0;
    this.progress.batchInEpoch = 0;
    this.control.pause();
    this.setStatus(
      'paused',
      `The loss became ${loss} at step ${this.progress.step + 1} (learning rate ${learningRate.toPrecision(3)}): ` +
        `the weights of the last good checkpoint (epoch ${this.progress.epoch}) are back and the run is paused. Lower the learning rate, then resume.`,
      'nan',
    );
    return 'nan';
  }

  /** Test metrics per image and mean (after a run, or on demand), at the run's threshold unless given. */
  async test(threshold = this.config.threshold): Promise<TestResult> {
    const result = await evaluate(this.model, sequentialBatches(this.data.test, this.config.batchSize), this.config.loss, threshold);
    return {
      mean: result.mean,
      loss: result.loss,
      threshold,
      perImage: result.perImage.map((m, i) => ({
        name: this.data.test.names[i],
        dice: m.dice,
        iou: m.iou,
        precision: m.precision,
        recall: m.recall,
        accuracy: m.accuracy,
      })),
    };
  }
}
