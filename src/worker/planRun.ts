/**
 * Planning "Best model in N minutes" (protocol: 'plan-run' -> 'plan-progress'..., 'plan'): with the
 * backend setting 'auto' the backends are timed again (selectBackend, as the engine starts); then a
 * few steps of each recipe candidate on the loaded train split, on the backend in use, and the recipe
 * chooses. Every model, optimizer and batch built for timing is disposed: the memory stays flat.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, DEFAULT_AUGMENT } from '../data/augment';
import { makeBatch, resizeBatch, type Batch } from '../data/batches';
import { splitView, type Pairs } from '../data/dataset';
import { selectBackend, type BackendChoice } from '../ml/backend';
import { withThreads } from './engine';
import { DEFAULT_LOSS } from '../ml/loss';
import { buildPreset } from '../ml/model';
import { timeTrainingStep } from '../ml/train/loop';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../ml/train/optimizer';
import {
  candidateLabel,
  candidatesWith,
  cannotFit,
  chooseRecipe,
  halfSize,
  rowOf,
  CANDIDATES,
  type Candidate,
  type CandidateRow,
  type Timing,
} from '../ml/train/recipe';
import type { PlanRunRequest, Post } from './protocol';
import type { Session } from './session';

/** The loaded pairs at the candidate's size: for timing, the pixels only need the right shape. */
function resized(raw: Batch, height: number, width: number): Batch {
  if (raw.x.shape[1] === height && raw.x.shape[2] === width) return raw;
  try {
    return resizeBatch(raw, height, width);
  } finally {
    tf.dispose([raw.x, raw.y]);
  }
}

/** A batch as a run's step makes it: loaded pairs, augmented with the studio's default augmentation (its cost is part of a step). */
function batchAt(pairs: Pairs, { height, width, batchSize }: Candidate, step: number): Batch {
  const sized = resized(
    makeBatch(
      pairs,
      Array.from({ length: batchSize }, (_, k) => (step * batchSize + k) % pairs.count),
    ),
    height,
    width,
  );
  try {
    return augmentBatch(sized, DEFAULT_AUGMENT, step);
  } finally {
    tf.dispose([sized.x, sized.y]);
  }
}

/** ms a training step of `candidate` on the backend in use: the median of 3 steps after a warm-up step (timeTrainingStep). */
function timeCandidate(pairs: Pairs, candidate: Candidate): Promise<number> {
  let step = 0;
  return timeTrainingStep(
    () => buildPreset(candidate.preset, { height: candidate.height, width: candidate.width, ...(candidate.base && { base: candidate.base }) }),
    () => createOptimizer(DEFAULT_OPTIMIZER),
    () => batchAt(pairs, candidate, step++),
    DEFAULT_LOSS,
  );
}

/** The half-size step of a small-images-first candidate, or why it could not be timed (a size that does not halve, say). */
async function timeHalfSize(pairs: Pairs, candidate: Candidate): Promise<Pick<Timing, 'msPerSmallStep' | 'note'>> {
  try {
    return { msPerSmallStep: await timeCandidate(pairs, halfSize(candidate)) };
  } catch (error) {
    return { msPerSmallStep: null, note: `at half the size: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** 'auto': the backends timed again on the smallest candidate shape of tiny, as the engine does at start. */
async function chooseBackend(request: PlanRunRequest, pairs: Pairs, post: Post): Promise<string> {
  if (request.backend !== 'auto') return `${tf.getBackend()} (the backend setting; not timed)`;
  const tiny: Candidate = { preset: 'tiny', height: 32, width: 48, batchSize: 2 };
  const choice: BackendChoice = await selectBackend('auto', {
    timeStep: () => timeCandidate(pairs, tiny),
    onTiming: (name) => post({ type: 'plan-progress', id: request.id, message: `Timing the ${name} backend on a few training steps...` }),
  });
  // The engine panel shows the backend now in use (and keeps the wasm thread choice the engine made).
  post({ type: 'ready', id: request.id, choice: withThreads(choice) });
  return choice.reason;
}

export async function planRun(session: Session, request: PlanRunRequest, post: Post, candidates: readonly Candidate[] = CANDIDATES): Promise<void> {
  const loaded = session.dataset;
  if (!loaded) throw new Error('Load a dataset first (the sample dataset is one click away).');
  const { minutes, id } = request;
  if (!(minutes > 0)) throw new Error(`The time budget must be above 0 minutes; got ${minutes}.`);
  const pairs = splitView(loaded.result.set, loaded.indices.train);
  if (pairs.count === 0) throw new Error('The train split is empty: load more pairs or change the split.');
  const valPairs = loaded.indices.val.length;

  const backend = await chooseBackend(request, pairs, post);
  const timings: Timing[] = [];
  const rows: CandidateRow[] = [];
  const list = candidatesWith(request.fixed, candidates);
  for (const [i, candidate] of list.entries()) {
    const skip = cannotFit(candidate, rows);
    let timing: Timing;
    if (skip) {
      timing = { candidate, msPerStep: null, note: skip };
    } else {
      post({ type: 'plan-progress', id, message: `Timing ${candidateLabel(candidate)} on ${tf.getBackend()} (${i + 1} of ${list.length})...` });
      try {
        timing = { candidate, msPerStep: await timeCandidate(pairs, candidate) };
        // Small images first: the half-size step is timed too (the model, and its cost, at that size).
        if (candidate.smallFirst) timing = { ...timing, ...(await timeHalfSize(pairs, candidate)) };
      } catch (error) {
        // Out of memory, say: the others may still train.
        timing = { candidate, msPerStep: null, note: error instanceof Error ? error.message : String(error) };
      }
    }
    timings.push(timing);
    rows.push(rowOf(timing, minutes, pairs.count, valPairs));
  }
  const plan = chooseRecipe({ minutes, trainPairs: pairs.count, valPairs, timings, learningRate: request.learningRate });
  post({ type: 'plan', id, plan: { ...plan, backend } });
}
