/**
 * Training speed as the page sees it: when each step number arrives. Works from the second step on
 * (the worker's own ETA comes only with the first epoch) and costs a few arithmetic operations.
 */

export interface StepSighting {
  step: number;
  /** performance.now() when the page saw the step, in ms. */
  at: number;
}

/** Sightings kept: recent enough to follow a change of speed, long enough to smooth the batching of events per frame. */
export const SIGHTINGS_KEPT = 30;

/** Adds a sighting; a step number that went back (a new or resumed run) starts the series again. */
export function addSighting(sightings: readonly StepSighting[], step: number, at: number): StepSighting[] {
  const last = sightings[sightings.length - 1];
  if (last && step === last.step) return sightings as StepSighting[];
  if (last && step < last.step) return [{ step, at }];
  return [...sightings.slice(-(SIGHTINGS_KEPT - 1)), { step, at }];
}

export interface Throughput {
  imagesPerSecond: number;
  etaSeconds: number;
}

/** Images a second and seconds left over the sightings; null until two sightings span a step and some time. */
export function throughput(sightings: readonly StepSighting[], batchSize: number, totalSteps: number): Throughput | null {
  if (sightings.length < 2) return null;
  const [first, last] = [sightings[0], sightings[sightings.length - 1]];
  const steps = last.step - first.step;
  const seconds = (last.at - first.at) / 1000;
  if (steps <= 0 || seconds <= 0) return null;
  const stepsPerSecond = steps / seconds;
  return { imagesPerSecond: stepsPerSecond * batchSize, etaSeconds: Math.max(0, totalSteps - last.step) / stepsPerSecond };
}
