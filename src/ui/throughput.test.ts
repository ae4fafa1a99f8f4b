import { describe, expect, it } from 'vitest';
import { addSighting, SIGHTINGS_KEPT, throughput, type StepSighting } from './throughput';

function seen(steps: Array<[number, number]>): StepSighting[] {
  return steps.reduce<StepSighting[]>((all, [step, at]) => addSighting(all, step, at), []);
}

describe('throughput', () => {
  it('gives images/s and the time left from two sightings, before any epoch ends', () => {
    // Steps 2..5 in 1.5 s: 2 steps/s; batch 4 = 8 images/s; 100 - 5 = 95 steps left = 47.5 s.
    const result = throughput(
      seen([
        [2, 1000],
        [3, 1400],
        [5, 2500],
      ]),
      4,
      100,
    );
    expect(result!.imagesPerSecond).toBeCloseTo(8, 10);
    expect(result!.etaSeconds).toBeCloseTo(47.5, 10);
  });

  it('says nothing from one sighting, or from one step seen twice', () => {
    expect(throughput(seen([[1, 0]]), 4, 10)).toBeNull();
    expect(
      throughput(
        seen([
          [3, 0],
          [3, 500],
        ]),
        4,
        10,
      ),
    ).toBeNull();
  });

  it('follows the recent speed: only the last sightings count', () => {
    // 10 s for the first step (compiling), then 10 steps a second.
    const steps: Array<[number, number]> = [
      [1, 0],
      [2, 10_000],
    ];
    for (let s = 3; s <= 2 + SIGHTINGS_KEPT; s++) steps.push([s, 10_000 + (s - 2) * 100]);
    expect(throughput(seen(steps), 2, 1000)!.imagesPerSecond).toBeCloseTo(20, 6);
  });

  it('starts again when the step number goes back (another run)', () => {
    const sightings = seen([
      [40, 0],
      [41, 1000],
      [3, 5000],
    ]);
    expect(sightings).toEqual([{ step: 3, at: 5000 }]);
  });
});
