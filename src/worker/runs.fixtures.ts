/** Shared by the RunManager tests: a session holding 24 ellipse pairs, a tiny config, and waiting helpers. */
import { NO_AUGMENT } from '../data/augment';
import { pixelSetFingerprint } from '../data/dataset';
import type { IngestResult } from '../data/ingest';
import { ellipseDataset } from '../data/shapes';
import { DEFAULT_SPLIT_RATIOS } from '../data/split';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../ml/train/config';
import { Trainer, type TrainerData } from '../ml/train/trainer';
import type { DeviceWatch } from './deviceLoss';
import { vi } from 'vitest';
import { openStudioDb } from './persistence';
import type { WorkerEvent } from './protocol';
import type { StoredState } from './runHooks';
import { RunManager } from './runs';
import { Session, summariseSplit } from './session';

export const [H, W] = [16, 32];

/** 24 ellipse pairs in 8 "cars" (pair i is car i % 8): the split gives 18 train, 3 val, 3 test pairs. */
export function ellipseResult(): IngestResult {
  const set = ellipseDataset(24, H, W, 3);
  const pairs = set.names.map((name, i) => ({ stem: name, image: `${name}.png`, mask: `${name}_mask.png`, group: `car${i % 8}` }));
  const coverage = { min: 0, median: 0, max: 0 };
  return { set, pairs, skipped: [], notes: [], summary: { files: 48, pairs: 24, groups: 8, sourceSizes: [], coverage, skipped: 0, seconds: 0 } };
}

export async function sessionWithData(): Promise<Session> {
  const session = new Session();
  const result = ellipseResult();
  session.dataset = summariseSplit({ result, fingerprint: await pixelSetFingerprint(result.set) }, DEFAULT_SPLIT_RATIOS, 1);
  session.source = 'ellipses';
  return session;
}

export const CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  preset: 'tiny',
  height: H,
  width: W,
  batchSize: 6,
  epochs: 2,
  augment: NO_AUGMENT,
  overlayCount: 2,
};

/** `onEvent` sees each event as it is posted, in the worker's turn: what it does lands before the next step. */
export async function harness(watchDevice?: DeviceWatch, onEvent: (event: WorkerEvent) => void = () => undefined) {
  const events: WorkerEvent[] = [];
  const session = await sessionWithData();
  const manager = new RunManager((event) => (events.push(event), onEvent(event)), session, watchDevice);
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  const status = () => of('run-status').map((e) => e.status);
  return { events, session, manager, of, status };
}

export async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for the run's record to be written after its loop ends (the last thing the loop does). */
export async function savedRun(runId: string, status: string) {
  const db = await openStudioDb();
  try {
    let run = await db.getRun(runId);
    for (let i = 0; i < 500 && run?.status !== status; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      run = await db.getRun(runId);
    }
    const latest = await db.getCheckpoint<StoredState>(runId, 'latest');
    return { run: run!, latest };
  } finally {
    db.close();
  }
}

/** The data each Trainer is run on, as the worker handed it over (a spy: restore mocks after each test). */
export function trainerData(): TrainerData[] {
  const seen: TrainerData[] = [];
  const realRun = Trainer.prototype.run;
  vi.spyOn(Trainer.prototype, 'run').mockImplementation(function (this: Trainer) {
    seen.push((this as unknown as { data: TrainerData }).data);
    return realRun.call(this);
  });
  return seen;
}
