/** The two step charts (loss, learning rate): thinned, zoomable by dragging, marked where the run was steered or rolled back. */
import { memo, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfigChange, StepRecord } from '../ml/train/config';
import type { Rollback } from '../store/steps';
import { stepsInRange, type StepRange } from './chartData';
import { Chart, changeMarkers, MARGIN, rollbackMarkers } from './chartParts';

/**
 * Drag across a step chart to zoom into those steps (as in W&B); the shaded band shows the drag.
 * The handlers keep one identity for the chart's life: recharts stores them, and a new function on
 * every redraw would cost it an extra render pass.
 */
function useDragZoom(onZoom: (range: [number, number]) => void) {
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const dragging = useRef<[number, number] | null>(null);
  const handlers = useMemo(() => {
    type State = { activeLabel?: string | number } | null | undefined;
    const at = (state: State) => (state?.activeLabel == null ? null : Number(state.activeLabel));
    const update = (next: [number, number] | null) => {
      dragging.current = next;
      setDrag(next);
    };
    return {
      onMouseDown: (state: State) => {
        const step = at(state);
        if (step !== null) update([step, step]);
      },
      onMouseMove: (state: State) => {
        const step = at(state);
        const current = dragging.current;
        if (current && step !== null && step !== current[1]) update([current[0], step]);
      },
      onMouseUp: () => {
        const current = dragging.current;
        if (current && current[0] !== current[1]) onZoom([Math.min(...current), Math.max(...current)]);
        if (current) update(null);
      },
    };
  }, [onZoom]);
  const band = drag && drag[0] !== drag[1] ? <ReferenceArea x1={drag[0]} x2={drag[1]} fill="#0284c7" fillOpacity={0.12} /> : null;
  return { handlers, band };
}

export interface StepChartProps {
  steps: StepRecord[];
  changes: ConfigChange[];
  rollbacks: Rollback[];
  range: StepRange;
  onZoom: (range: [number, number]) => void;
}

/** Markers keep their identity until the changes or rollbacks do: recharts re-registers a new ReferenceLine. */
function useMarkers(changes: ConfigChange[], rollbacks: Rollback[]) {
  return useMemo(() => [...changeMarkers(changes, 'step'), ...rollbackMarkers(rollbacks)], [changes, rollbacks]);
}

const byLoss = (s: StepRecord) => s.loss;
const byRate = (s: StepRecord) => s.learningRate;
const lossFormat = (v: unknown) => Number(v).toFixed(4);
const rateFormat = (v: unknown) => Number(v).toExponential(3);
const stepLabel = (s: unknown) => `step ${s}`;
const precision2 = (v: number) => v.toPrecision(2);
const exponent1 = (v: number) => v.toExponential(1);

/*
 * Only the data changes on a redraw. Every other child is a memoised element, so React skips it and
 * recharts keeps its registered axes (a new domain array or props object re-registers an axis, and
 * that recomputes the whole chart once more in the next frame).
 */

export const StepLossChart = memo(function StepLossChart({ steps, changes, rollbacks, logScale, range, onZoom }: StepChartProps & { logScale: boolean }) {
  const data = useMemo(() => stepsInRange(steps, range, byLoss), [steps, range]);
  const { handlers, band } = useDragZoom(onZoom);
  const markers = useMarkers(changes, rollbacks);
  const frame = useMemo(
    () => [
      <CartesianGrid key="grid" stroke="#e2e8f0" />,
      <XAxis key="x" dataKey="step" type="number" domain={range ?? ['dataMin', 'dataMax']} allowDecimals={false} allowDataOverflow />,
      <YAxis key="y" scale={logScale ? 'log' : 'linear'} domain={['auto', 'auto']} width={52} tickFormatter={precision2} allowDataOverflow />,
      <Tooltip key="tip" formatter={lossFormat} labelFormatter={stepLabel} />,
    ],
    [range, logScale],
  );
  const line = useMemo(() => <Line type="linear" dataKey="loss" stroke="#0284c7" dot={false} isAnimationActive={false} strokeWidth={1.5} />, []);
  return (
    <Chart title="Step loss" testId="chart-step-loss" empty={data.length === 0}>
      <LineChart data={data} margin={MARGIN} {...handlers}>
        {frame}
        {markers}
        {line}
        {band}
      </LineChart>
    </Chart>
  );
});

export const LearningRateChart = memo(function LearningRateChart({ steps, changes, rollbacks, range, onZoom }: StepChartProps) {
  const data = useMemo(() => stepsInRange(steps, range, byRate), [steps, range]);
  const { handlers, band } = useDragZoom(onZoom);
  const markers = useMarkers(changes, rollbacks);
  const frame = useMemo(
    () => [
      <CartesianGrid key="grid" stroke="#e2e8f0" />,
      <XAxis key="x" dataKey="step" type="number" domain={range ?? ['dataMin', 'dataMax']} allowDecimals={false} allowDataOverflow />,
      <YAxis key="y" scale="log" domain={['auto', 'auto']} width={62} tickFormatter={exponent1} allowDataOverflow />,
      <Tooltip key="tip" formatter={rateFormat} labelFormatter={stepLabel} />,
    ],
    [range],
  );
  const line = useMemo(() => <Line type="stepAfter" dataKey="learningRate" stroke="#b45309" dot={false} isAnimationActive={false} />, []);
  return (
    <Chart title="Learning rate" testId="chart-lr" empty={data.length === 0}>
      <LineChart data={data} margin={MARGIN} {...handlers}>
        {frame}
        {markers}
        {line}
        {band}
      </LineChart>
    </Chart>
  );
});
