/**
 * The two step charts (loss, learning rate): thinned with the band of what thinning hid, the loss
 * smoothed over its raw line, zoomable by dragging or by keyboard, marked where the run was steered or
 * rolled back, with a read-out of the step, its values and the live change in force there.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import type { ConfigChange, StepRecord } from '../ml/train/config';
import type { Rollback } from '../store/steps';
import { stepsInRange, withSmoothedLoss, type SmoothedStep, type StepRange } from './chartData';
import { Chart, changeMarkers, changesBefore, describeChange, rollbackMarkers } from './chartParts';
import { DEFAULT_SMOOTHING, MAX_SMOOTHING } from './smoothing';
import { SvgChart, type SeriesDef } from './SvgChart';

export interface StepChartProps {
  steps: StepRecord[];
  changes: ConfigChange[];
  rollbacks: Rollback[];
  range: StepRange;
  /** What the charts say while there are no steps (a live run waits for them; an imported one has none). */
  noSteps: string;
  /** Drag across a chart (as in W&B), or press + - arrows, to zoom into those steps; 0 or Escape: null, all of them. */
  onZoom: (range: StepRange) => void;
}

// Module constants: the chart is memoised, and new functions would redraw it for nothing.
const stepOf = (s: StepRecord) => s.step;
const LOSS_COLOUR = '#0284c7';
const rawLoss = (s: StepRecord) => s.loss;
const LOSS: ReadonlyArray<SeriesDef<SmoothedStep>> = [{ name: 'loss', colour: LOSS_COLOUR, value: rawLoss }];
// The raw line stays drawn, faint, behind the smoothed one: smoothing must not hide what happened.
const SMOOTHED_LOSS: ReadonlyArray<SeriesDef<SmoothedStep>> = [
  { name: 'loss', colour: LOSS_COLOUR, value: rawLoss, faint: true },
  { name: 'smoothed', colour: LOSS_COLOUR, value: (s) => s.smoothed },
];
const SMOOTHED_KEYS: Array<[string, string]> = [
  ['raw', 'rgba(2, 132, 199, 0.35)'],
  ['smoothed', LOSS_COLOUR],
];
const RATE: ReadonlyArray<SeriesDef<StepRecord>> = [{ name: 'learning rate', colour: '#b45309', value: (s) => s.learningRate, stepAfter: true }];
const precision2 = (v: number) => v.toPrecision(2);
const exponent1 = (v: number) => v.toExponential(1);
const fixed4 = (v: number) => v.toFixed(4);
const exponent3 = (v: number) => v.toExponential(3);
const stepLabel = (s: number) => `step ${s}`;

function useMarkers(changes: ConfigChange[], rollbacks: Rollback[]) {
  return useMemo(() => [...changeMarkers(changes, 'step'), ...rollbackMarkers(rollbacks)], [changes, rollbacks]);
}

/** The read-out's line for a hovered step: the live change made there, or the latest one before it. */
function useChangeNote(changes: ConfigChange[]) {
  return useCallback(
    (step: number) => {
      const latest = changesBefore(changes, step);
      return latest.length ? `change ${latest.map(describeChange).join('; ')}` : null;
    },
    [changes],
  );
}

/** The whole run's first and last step: keyboard zoom and pan stay inside it. */
function useBounds(steps: StepRecord[]): [number, number] | undefined {
  const [first, last] = [steps[0]?.step, steps[steps.length - 1]?.step];
  return useMemo(() => (first === undefined ? undefined : [first, last]), [first, last]);
}

function useThinned<T extends StepRecord>(steps: readonly T[], range: StepRange, value: (s: T) => number, colour: string) {
  return useMemo(() => {
    const { points, band } = stepsInRange(steps, range, value);
    return { points, band: band.length ? { colour, buckets: band } : undefined };
  }, [steps, range, value, colour]);
}

export const StepLossChart = memo(function StepLossChart({
  steps,
  changes,
  rollbacks,
  logScale,
  range,
  noSteps,
  onZoom,
}: StepChartProps & { logScale: boolean }) {
  // A view choice like the log scale beside it: local, not a training setting of the schema.
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const smoothed = useMemo(() => withSmoothedLoss(steps, smoothing), [steps, smoothing]);
  const { points, band } = useThinned(smoothed, range, rawLoss, LOSS_COLOUR);
  const markers = useMarkers(changes, rollbacks);
  const note = useChangeNote(changes);
  const bounds = useBounds(steps);
  const on = smoothing > 0;
  const control = (
    <label className="chart-smoothing">
      Smoothing
      <input
        type="range"
        min={0}
        max={MAX_SMOOTHING}
        step={0.01}
        value={smoothing}
        onChange={(e) => setSmoothing(Number(e.target.value))}
        data-testid="smoothing-slider"
      />
      <output>{smoothing.toFixed(2)}</output>
    </label>
  );
  return (
    <Chart title="Step loss" testId="chart-step-loss" empty={points.length === 0 ? noSteps : null} keys={on ? SMOOTHED_KEYS : undefined} controls={control}>
      <SvgChart
        data={points}
        x={stepOf}
        series={on ? SMOOTHED_LOSS : LOSS}
        markers={markers}
        xDomain={range}
        xBounds={bounds}
        band={band}
        log={logScale}
        yTick={precision2}
        value={fixed4}
        xLabel={stepLabel}
        note={note}
        onZoom={onZoom}
      />
    </Chart>
  );
});

export const LearningRateChart = memo(function LearningRateChart({ steps, changes, rollbacks, range, noSteps, onZoom }: StepChartProps) {
  const { points, band } = useThinned(steps, range, RATE[0].value, RATE[0].colour);
  const markers = useMarkers(changes, rollbacks);
  const note = useChangeNote(changes);
  const bounds = useBounds(steps);
  return (
    <Chart title="Learning rate" testId="chart-lr" empty={points.length === 0 ? noSteps : null}>
      <SvgChart
        data={points}
        x={stepOf}
        series={RATE}
        markers={markers}
        xDomain={range}
        xBounds={bounds}
        band={band}
        log
        yTick={exponent1}
        value={exponent3}
        xLabel={stepLabel}
        note={note}
        onZoom={onZoom}
      />
    </Chart>
  );
});
