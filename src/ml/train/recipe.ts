/**
 * The recipe of "Best model in N minutes" (the page's guided run and `npm run train -- --minutes M`):
 * from measured ms per training step of a few candidate configurations, the one to train in the
 * budget, the epochs that fit, and a schedule (linear warm-up, then cosine) spanning them. Pure:
 * the worker measures (worker/planRun.ts), this decides and says why.
 */
import { modelLabel, type PresetName } from '../model/presets';
import type { SmallFirst, TrainConfig } from './config';
import { warmupSteps, WARMUP_FRACTION, type ScheduleName } from './schedule';

/** One configuration the recipe may choose: a model preset at an input size and batch size. */
export interface Candidate {
  preset: PresetName;
  height: number;
  width: number;
  batchSize: number;
  /** Channels of the first encoder block when not the preset's own. */
  base?: number;
  /** Progressive resizing: this share of the planned budget trains on images at half the size (each side) first. */
  smallFirst?: number;
}

/**
 * The candidates, from least to most capacity: the recipe prefers the LAST one that fits. transunet at
 * width 8 (1.09M parameters against 1.92M, 2.4x faster a step than width 16 here) was the best of the 10-minute runs on
 * the sample (BENCHMARKS.md, "The best mask in 10 minutes"): validation Dice 0.9763 after 8.1 epochs, against
 * tiny at 128x192 0.9757 after 15 and transunet at width 16 0.9713 after 3.5. Batch 4 throughout: batch 8 at width 8
 * saw 12% more images a second and tested level (0.9741 both, 2026-12-02). No small images first: at width 8, a half or
 * a quarter of the time at 64x96 made 1.2-1.75x the steps and tested level too (0.9742, 0.9739 against 0.9741).
 */
export const CANDIDATES: readonly Candidate[] = [
  { preset: 'tiny', height: 64, width: 96, batchSize: 4 },
  { preset: 'transunet', height: 64, width: 96, batchSize: 4 },
  { preset: 'tiny', height: 128, width: 192, batchSize: 4 },
  { preset: 'transunet', height: 128, width: 192, batchSize: 4, base: 8 },
  { preset: 'transunet', height: 128, width: 192, batchSize: 4 },
];

/**
 * A candidate fits when the budget lets it see every training image at least this many times. From the
 * 10-minute runs: transunet at 128x192 with 3.5 epochs lost to its width-8 self with 8.1 (validation Dice
 * 0.9713 against 0.9763), which beat tiny with 15; so the bar lies between 3.5 and 8 epochs.
 */
export const MIN_EPOCHS = 6;

/**
 * The share of the budget the schedule is planned on: the rest is for what the timing does not see (the
 * checkpoint after each epoch, a busy machine), so that the cosine ends about when the time limit does.
 * Measured in the 10-minute runs: the limit came at 368 of 365 planned steps (transunet at 128x192), and at
 * 840 of 874 (width 8, whose epochs slowed from 62 to 80 s as it ran), so 0.9 is about right.
 */
export const BUDGET_USE = 0.9;

/**
 * A budgeted run is given the epochs the whole budget would hold were its steps this much faster than
 * timed, so that the time limit, not the epochs, ends it: the planner's median of three steps once read
 * 1,941 ms where the run then took ~1,430 (a type check ran beside it), and that run, given ceil(2.6) = 3
 * epochs, stopped after 9.3 of its 10 minutes. Steps past the schedule's span train at its floor rate.
 */
export const EPOCH_HEADROOM = 1.5;

/** A validation batch (forward only) costs about this share of a training step (forward + backward + update). */
export const EVAL_STEP_COST = 1 / 3;

/**
 * The base learning rate of the guided run. Measured on the sample in 10 minutes (transunet at 128x192,
 * warm-up and cosine): 3e-3 gave test Dice 0.9728 in 368 steps; 1e-3 gave 0.9700 in 312 (a slow timing
 * shortened that run, so it is not a clean loss), so the studio's default stays.
 */
export const RECIPE_LEARNING_RATE = 3e-3;

/** The schedule the recipe trains with: a linear warm-up, then cosine to the end of the chosen epochs. */
export const RECIPE_SCHEDULE: ScheduleName = 'warmup-cosine';

/** Epochs are whole numbers in the settings (at most this many). */
export const MAX_RECIPE_EPOCHS = 1000;

/** A candidate's measurement: ms a training step, or null with the reason it was not measured. */
export interface Timing {
  candidate: Candidate;
  msPerStep: number | null;
  /** ms a step at half the size, when the candidate trains small images first. */
  msPerSmallStep?: number | null;
  note?: string;
}

export interface RecipeInput {
  /** The training budget. */
  minutes: number;
  trainPairs: number;
  valPairs: number;
  timings: readonly Timing[];
  /** A learning rate the person fixed (the CLI's --lr); the recipe's own otherwise. */
  learningRate?: number;
}

/** A candidate seen through the budget. */
export interface CandidateRow extends Timing {
  stepsPerEpoch: number;
  /** Seconds an epoch takes: its training steps plus the validation pass. NaN when not timed. */
  epochSeconds: number;
  /** Epochs in the planned share of the budget (BUDGET_USE), fractional; 0 when not timed. */
  epochsInBudget: number;
  /** Of those, the steps at half the size (the candidate's smallFirst share of the time). */
  smallSteps?: number;
}

/** What the recipe chose: the settings to train with, the numbers behind them, and why. */
export interface RunPlan {
  minutes: number;
  candidate: Candidate;
  epochs: number;
  learningRate: number;
  schedule: ScheduleName;
  stepsPerEpoch: number;
  /** The steps the schedule spans (TrainConfig.schedule.totalSteps): those that fit the planned budget; epochs x stepsPerEpoch may be more. */
  totalSteps: number;
  warmupSteps: number;
  /** The chosen one met MIN_EPOCHS (false: nothing did, so the fastest was taken). */
  fits: boolean;
  rows: CandidateRow[];
  /** One line per candidate, then the decision. */
  why: string[];
  /** The backend the steps were timed on, and how it was chosen (set by the planner). */
  backend?: string;
  /** The first steps at half the size (progressive resizing), when the chosen candidate asks for it. */
  smallFirst?: SmallFirst;
}

/** A config (made from the plan's settings) with what only a plan sets: its time limit, the schedule's span and the recipe's text. */
export function withPlan(config: TrainConfig, plan: RunPlan): TrainConfig {
  return {
    ...config,
    schedule: { ...config.schedule, name: plan.schedule, totalSteps: plan.totalSteps },
    timeLimitMinutes: plan.minutes,
    recipe: recipeText(plan),
    ...(plan.smallFirst && { smallFirst: { ...plan.smallFirst } }),
  };
}

/** The plan as a run records it (TrainConfig.recipe): the backend, one line per candidate, the decision last. */
export function recipeText(plan: RunPlan): string {
  return [...(plan.backend ? [`backend: ${plan.backend}`] : []), ...plan.why].join('\n');
}

export function candidateLabel({ preset, height, width, batchSize, base, smallFirst }: Candidate): string {
  const small = smallFirst ? `, ${height / 2}x${width / 2} for the first ${+(smallFirst * 100).toFixed(1)}% of the time` : '';
  return `${modelLabel(preset, base)} at ${height}x${width}${small}, batch ${batchSize}`;
}

/** The candidate at half the size, as the small-images-first phase trains it (each side must stay a multiple of 16). */
export function halfSize(candidate: Candidate): Candidate {
  const { smallFirst: _, ...rest } = candidate;
  return { ...rest, height: candidate.height / 2, width: candidate.width / 2 };
}

/**
 * The candidates with the settings the person fixed (the CLI's --preset, --size, --batch, --base) put in,
 * without repeats: `--preset tiny` leaves tiny at the two sizes; all four fixed leave one candidate. A
 * candidate's width belongs to its preset: another preset fixed takes its own width (or the fixed one).
 */
export function candidatesWith(fixed: Partial<Candidate> = {}, candidates: readonly Candidate[] = CANDIDATES): Candidate[] {
  const merged = candidates.map(({ base, ...candidate }) => {
    const keepsWidth = base !== undefined && (fixed.preset === undefined || fixed.preset === candidate.preset);
    return { ...candidate, ...(keepsWidth && { base }), ...fixed };
  });
  // A repeat keeps its last place: the order is capacity, and the recipe prefers the last that fits.
  const last = new Map(merged.map((candidate, i) => [candidateLabel(candidate), i]));
  return merged.filter((candidate, i) => last.get(candidateLabel(candidate)) === i);
}

/**
 * A candidate's epochs in the budget: each epoch is its training steps plus a validation pass (at the run's
 * size). Small images first: its share of the budget goes at the half-size step's cost, with validation
 * still at full size, and the rest at the full step's.
 */
export function rowOf(timing: Timing, minutes: number, trainPairs: number, valPairs: number): CandidateRow {
  const { batchSize, smallFirst = 0 } = timing.candidate;
  const stepsPerEpoch = Math.ceil(trainPairs / batchSize);
  const untimed = { ...timing, stepsPerEpoch, epochSeconds: NaN, epochsInBudget: 0 };
  if (timing.msPerStep === null || !(timing.msPerStep > 0)) return untimed;
  const valMsPerStep = (Math.ceil(valPairs / batchSize) * EVAL_STEP_COST * timing.msPerStep) / stepsPerEpoch;
  const epochSeconds = (stepsPerEpoch * (timing.msPerStep + valMsPerStep)) / 1000;
  const budgetMs = minutes * 60_000 * BUDGET_USE;
  if (smallFirst <= 0) return { ...timing, stepsPerEpoch, epochSeconds, epochsInBudget: budgetMs / 1000 / epochSeconds };
  if (!((timing.msPerSmallStep ?? 0) > 0)) return { ...untimed, note: timing.note ?? 'its half-size step was not timed' };
  const smallSteps = Math.floor((smallFirst * budgetMs) / (timing.msPerSmallStep! + valMsPerStep));
  const fullSteps = ((1 - smallFirst) * budgetMs) / (timing.msPerStep + valMsPerStep);
  return { ...timing, stepsPerEpoch, epochSeconds, epochsInBudget: (smallSteps + fullSteps) / stepsPerEpoch, smallSteps };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const seconds = (s: number) => (s < 10 ? s.toFixed(1) : s.toFixed(0));

function rowLine(row: CandidateRow, minutes: number): string {
  const label = candidateLabel(row.candidate);
  if (row.msPerStep === null || row.epochsInBudget === 0) return `${label}: not timed${row.note ? ` (${row.note})` : ''}`;
  const small = row.smallSteps !== undefined ? ` (${row.msPerSmallStep!.toFixed(0)} ms at half the size, ${row.smallSteps} steps)` : '';
  return (
    `${label}: ${row.msPerStep.toFixed(0)} ms a step${small}, ${row.stepsPerEpoch} steps + validation = ${seconds(row.epochSeconds)} s an epoch, ` +
    `${row.epochsInBudget.toFixed(1)} epochs in ${+(minutes * BUDGET_USE).toFixed(2)} min`
  );
}

/**
 * The rule: the last candidate (most capacity) that sees each training image at least MIN_EPOCHS
 * times in the planned share of the budget (BUDGET_USE); when none does, the one with the most epochs (the fastest). The
 * schedule spans the steps that fit that share (at least 1): a linear warm-up over WARMUP_FRACTION of them, then cosine
 * to the last. The run gets EPOCH_HEADROOM times the epochs of the whole budget, so the time limit ends it; steps past
 * the schedule stay at its floor rate.
 */
export function chooseRecipe(input: RecipeInput): RunPlan {
  const { minutes, trainPairs, valPairs } = input;
  if (!(minutes > 0)) throw new Error(`The time budget must be above 0 minutes; got ${minutes}.`);
  if (trainPairs < 1) throw new Error('The train split is empty: load more pairs or change the split.');
  const rows = input.timings.map((timing) => rowOf(timing, minutes, trainPairs, valPairs));
  const timed = rows.filter((row) => row.epochsInBudget > 0);
  if (timed.length === 0) throw new Error(`No candidate could be timed: ${rows.map((row) => rowLine(row, minutes)).join('; ')}.`);
  const fitting = timed.filter((row) => row.epochsInBudget >= MIN_EPOCHS);
  const chosen = fitting.length > 0 ? fitting[fitting.length - 1] : timed.reduce((best, row) => (row.epochsInBudget > best.epochsInBudget ? row : best));
  // The schedule spans the steps that fit, not whole epochs: with a few long epochs, flooring them left up
  // to a fifth of the budget unused (transunet 128x192 on 2 cores: 3.5 epochs fit, 3 were planned). The run
  // gets more epochs than that (EPOCH_HEADROOM); the time limit ends it.
  const stepsInBudget = Math.floor(chosen.epochsInBudget * chosen.stepsPerEpoch);
  const wantedEpochs = Math.max(1, Math.ceil((chosen.epochsInBudget / BUDGET_USE) * EPOCH_HEADROOM));
  const epochs = Math.min(MAX_RECIPE_EPOCHS, wantedEpochs);
  const totalSteps = Math.max(1, Math.min(stepsInBudget, epochs * chosen.stepsPerEpoch));
  const warmup = warmupSteps(totalSteps, WARMUP_FRACTION);
  const learningRate = input.learningRate ?? RECIPE_LEARNING_RATE;
  const label = candidateLabel(chosen.candidate);
  const reason =
    fitting.length > 0
      ? `the candidate with the most capacity that sees each training image at least ${MIN_EPOCHS} times in ${minutes} min`
      : `no candidate sees each training image ${MIN_EPOCHS} times in ${minutes} min, so the fastest`;
  const planned = `planned on ${BUDGET_USE * 100}% of the budget, the rest for checkpoints and a busy machine`;
  const capped = wantedEpochs > MAX_RECIPE_EPOCHS ? ` (capped at ${MAX_RECIPE_EPOCHS})` : '';
  const { height, width } = chosen.candidate;
  const smallFirst = chosen.smallSteps !== undefined ? { height: height / 2, width: width / 2, steps: Math.min(chosen.smallSteps, totalSteps) } : undefined;
  const small = smallFirst ? `; the first ${count(smallFirst.steps, 'step')} on images at ${smallFirst.height}x${smallFirst.width}` : '';
  const decision =
    `Chose ${label}: ${reason} (${planned}). ${count(totalSteps, 'step')} (${+(totalSteps / chosen.stepsPerEpoch).toFixed(2)} epochs of ` +
    `${count(chosen.stepsPerEpoch, 'step')}; up to ${count(epochs, 'epoch')}${capped}, the time limit ending the run${small}); ` +
    `learning rate ${learningRate} warmed up over ${count(warmup, 'step')}, then cosine to 1% at step ${totalSteps}.`;
  return {
    minutes,
    candidate: { ...chosen.candidate },
    epochs,
    learningRate,
    schedule: RECIPE_SCHEDULE,
    stepsPerEpoch: chosen.stepsPerEpoch,
    totalSteps,
    warmupSteps: warmup,
    fits: fitting.length > 0,
    ...(smallFirst && { smallFirst }),
    rows,
    why: [...rows.map((row) => rowLine(row, minutes)), decision],
  };
}

/**
 * When a smaller input of the same preset and batch is already too slow to fit, a larger input cannot
 * fit either (it costs at least as much a step): the planner need not time it. Returns the reason, or null.
 */
export function cannotFit(candidate: Candidate, measured: readonly CandidateRow[]): string | null {
  const smaller = measured.find(
    (row) =>
      // Timed in full: a candidate whose half-size step could not be timed says nothing of a larger one.
      row.epochsInBudget > 0 &&
      row.candidate.preset === candidate.preset &&
      row.candidate.batchSize === candidate.batchSize &&
      (row.candidate.base ?? 0) === (candidate.base ?? 0) &&
      row.candidate.height <= candidate.height &&
      row.candidate.width <= candidate.width &&
      row.epochsInBudget < MIN_EPOCHS,
  );
  return smaller ? `${candidateLabel(smaller.candidate)} already falls short of ${MIN_EPOCHS} epochs, and a larger input is no faster` : null;
}
