/**
 * Small images first (progressive resizing): a run's first `smallFirst.steps` steps train on its batches
 * downsampled to smallFirst's size, through the same model at that size (model/anySize.ts); the rest, and
 * every evaluation, at the run's size. The rules and words of that phase, for the Trainer.
 */
import type { TrainConfig } from './config';

type SmallFirstFields = Pick<TrainConfig, 'smallFirst' | 'height' | 'width'>;

/** A small-images-first phase a run can train: a size of at least 16 a side, in multiples of 16 (as every model needs), below the run's. */
export function checkSmallFirst({ smallFirst, height, width }: SmallFirstFields): void {
  if (!smallFirst) return;
  const { height: h, width: w, steps } = smallFirst;
  const fits = [h, w].every((side) => Number.isInteger(side) && side >= 16 && side % 16 === 0);
  if (!fits || h > height || w > width) {
    throw new Error(`Small images first at ${h}x${w}: each side must be a multiple of 16 and at most the run's ${height}x${width}.`);
  }
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`Small images first for ${steps} steps: the steps must be a whole number, 0 or more.`);
}

/** The size step `step` (0-based) trains at while in the phase; null at the run's own size. */
export function smallSizeAt({ smallFirst }: SmallFirstFields, step: number): [number, number] | null {
  return smallFirst && step < smallFirst.steps ? [smallFirst.height, smallFirst.width] : null;
}

/** What the run's status says while step `step` (0-based) trains. */
export function trainingMessage(config: SmallFirstFields, step: number): string {
  const { smallFirst } = config;
  if (!smallFirst || !smallSizeAt(config, step)) return 'Training';
  return `Training on small images first: ${smallFirst.height}x${smallFirst.width} until step ${smallFirst.steps}, then ${config.height}x${config.width}`;
}
