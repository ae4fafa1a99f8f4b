import { describe, expect, it } from 'vitest';
import { MIN_SPAN, panSpan, zoomForKey, zoomSpan } from './chartZoom';

const run: [number, number] = [1, 101];

describe('keyboard zoom of a step chart', () => {
  it('+ halves the view around its centre, or keeps the hovered step in place', () => {
    // Centre 51, half of 100 steps: 26..76.
    expect(zoomForKey('+', run, run)).toEqual({ range: [26, 76] });
    // Around step 81: 81 - (81 - 1) / 2 = 41 and 81 + (101 - 81) / 2 = 91; step 81 stays at 80% of the width.
    expect(zoomForKey('+', run, run, 81)).toEqual({ range: [41, 91] });
    expect(zoomForKey('=', run, run)).toEqual({ range: [26, 76] });
  });

  it('- doubles the view, kept inside the run, and reaching the whole run shows all (null)', () => {
    // [70, 90] doubled around 80 is [60, 100].
    expect(zoomForKey('-', [70, 90], run)).toEqual({ range: [60, 100] });
    // [80, 100] doubled around 90 is [70, 110]: moved back inside the run, [61, 101].
    expect(zoomForKey('-', [80, 100], run)).toEqual({ range: [61, 101] });
    expect(zoomForKey('-', [26, 76], run)).toEqual({ range: null });
  });

  it('arrows pan by a quarter of the view, at least a step, never past the run', () => {
    expect(zoomForKey('ArrowRight', [21, 61], run)).toEqual({ range: [31, 71] });
    expect(zoomForKey('ArrowLeft', [5, 45], run)).toEqual({ range: [1, 41] });
    expect(panSpan([50, 52], run, 0.25)).toEqual([51, 53]);
    expect(zoomForKey('ArrowRight', run, run)).toEqual({ range: null }); // nothing to pan in the whole run
  });

  it('0 and Escape show all; other keys are left to the page', () => {
    expect(zoomForKey('0', [20, 40], run)).toEqual({ range: null });
    expect(zoomForKey('Escape', [20, 40], run)).toEqual({ range: null });
    expect(zoomForKey('a', [20, 40], run)).toBeNull();
    expect(zoomForKey('Tab', [20, 40], run)).toBeNull();
  });

  it('never zooms below MIN_SPAN steps, and a run shorter than that stays whole', () => {
    expect(zoomSpan([50, 54], run, 0.5)).toEqual([50, 54]);
    expect(MIN_SPAN).toBe(4);
    expect(zoomSpan([1, 3], [1, 3], 0.5)).toBeNull();
  });
});
