/** The two step charts (loss, learning rate): thinned, zoomable by dragging, marked where the run was steered or rolled back. */
import { memo, useMemo } from 'react';
import type { ConfigChange, StepRecord } from '../ml/train/config';
import type { Rollback } from '../store/steps';
import { stepsInRange, type StepRange } from './chartData';
import { Chart, changeMarkers, rollbackMarkers } from './chartParts';
import { SvgChart, type SeriesDef } from './SvgChart';

export interface StepChartProps {
  steps: StepRecord[];
  changes: ConfigChange[];
  rollbacks: Rollback[];
  range: StepRange;
  /** What the charts say while there are no steps (a live run waits for them; an imported one has none). */
  noSteps: string;
  /** Drag across a chart to zoom into those steps (as in W&B). */
  onZoom: (range: [number, number]) => void;
}

// Module constants: the chart is memoised, and new functions would redraw it for nothing.
const stepOf = (s: StepRecord) => s.step;
const LOSS: ReadonlyArray<SeriesDef<StepRecord>> = [{ name: 'loss', colour: '#0284c7', value: (s) => s.loss }];
const RATE: ReadonlyArray<SeriesDef<StepRecord>> = [{ name: 'learning rate', colour: '#b45309', value: (s) => s.learningRate, stepAfter: true }];
const precision2 = (v: number) => v.toPrecision(2);
const exponent1 = (v: number) => v.toExponential(1);
const fixed4 = (v: number) => v.toFixed(4);
const exponent3 = (v: number) => v.toExponential(3);
const stepLabel = (s: number) => `step ${s}`;

function useMarkers(changes: ConfigChange[], rollbacks: Rollback[]) {
  return useMemo(() => [...changeMarkers(changes, 'step'), ...rollbackMarkers(rollbacks)], [changes, rollbacks]);
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
  const data = useMemo(() => stepsInRange(steps, range, LOSS[0].value), [steps, range]);
  const markers = useMarkers(changes, rollbacks);
  return (
    <Chart title="Step loss" testId="chart-step-loss" empty={data.length === 0 ? noSteps : null}>
      <SvgChart
        data={data}
        x={stepOf}
        series={LOSS}
        markers={markers}
        xDomain={range}
        log={logScale}
        yTick={precision2}
        value={fixed4}
        xLabel={stepLabel}
        onZoom={onZoom}
      />
    </Chart>
  );
});

export const LearningRateChart = memo(function LearningRateChart({ steps, changes, rollbacks, range, noSteps, onZoom }: StepChartProps) {
  const data = useMemo(() => stepsInRange(steps, range, RATE[0].value), [steps, range]);
  const markers = useMarkers(changes, rollbacks);
  return (
    <Chart title="Learning rate" testId="chart-lr" empty={data.length === 0 ? noSteps : null}>
      <SvgChart
        data={data}
        x={stepOf}
        series={RATE}
        markers={markers}
        xDomain={range}
        log
        yTick={exponent1}
        value={exponent3}
        xLabel={stepLabel}
        onZoom={onZoom}
      />
    </Chart>
  );
});
