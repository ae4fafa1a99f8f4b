import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfigChange, EpochRecord } from '../ml/train/config';
import { useStudio } from '../store/studio';
import { stepsInRange, thin, type StepPoint, type StepRange } from './chartData';

function describeChange(change: ConfigChange): string {
  const show = (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : JSON.stringify(v));
  return `step ${change.step}: ${change.field} ${show(change.from)} → ${show(change.to)}`;
}

/** A marker's label; its SVG <title> is the hover tooltip saying what changed. */
function MarkerLabel({ viewBox, short, full }: { viewBox?: { x: number; y: number }; short: string; full: string }) {
  if (!viewBox) return null;
  return (
    <g className="marker-label">
      <title>{full}</title>
      <rect x={viewBox.x - 6} y={viewBox.y} width={12} height={170} fill="transparent" />
      <text x={viewBox.x + 4} y={viewBox.y + 12} fill="#92400e" fontSize={11}>
        {short}
      </text>
    </g>
  );
}

/** Vertical markers where a hyperparameter changed, labelled, with a tooltip saying what changed. */
function changeMarkers(changes: ConfigChange[], axis: 'step' | 'epoch') {
  return changes.map((c, i) => (
    <ReferenceLine
      key={`${c.step}-${c.field}-${i}`}
      x={axis === 'step' ? c.step : c.epoch + 1}
      stroke="#b45309"
      strokeDasharray="4 3"
      label={<MarkerLabel short={c.field === 'learningRate' ? 'lr' : c.field} full={describeChange(c)} />}
      ifOverflow="extendDomain"
    />
  ));
}

/** An HTML legend: recharts' own measures itself after each render and renders the chart twice. */
function Key({ items }: { items: Array<[string, string]> }) {
  return (
    <span className="chart-key">
      {items.map(([name, colour]) => (
        <span key={name}>
          <i style={{ background: colour }} aria-hidden="true" /> {name}
        </span>
      ))}
    </span>
  );
}

function Chart({ title, testId, keys, empty, children }: { title: string; testId: string; keys?: Array<[string, string]>; empty: boolean; children: React.ReactElement }) {
  return (
    <figure className="chart-card" data-testid={testId}>
      <figcaption>
        {title} {keys && <Key items={keys} />}
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        {children}
      </ResponsiveContainer>
      {empty && <div className="chart-empty">waiting for the first {title.includes('epoch') || title.includes('Validation') ? 'epoch' : 'steps'}...</div>}
    </figure>
  );
}


/**
 * The value as it was at the last tick of a clock of `intervalMs` started `phaseMs` late. Each chart
 * gets its own phase, so no two redraw in the same frame: one recharts redraw is ~20 ms here, four
 * at once would block the page for more than 50 ms.
 */
function useStaggered<T>(value: T, intervalMs: number, phaseMs: number, initial: T): T {
  // Starting from `initial` (empty) makes the charts mount one per tick as well, not all four at once.
  const [shown, setShown] = useState(initial);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    let timer = setTimeout(function tick() {
      setShown(latest.current);
      timer = setTimeout(tick, intervalMs);
    }, phaseMs);
    return () => clearTimeout(timer);
  }, [intervalMs, phaseMs]);
  return shown;
}

const REDRAW_MS = 1000;
const NO_STEPS: StepPoint[] = [];
const NO_EPOCHS: EpochRecord[] = [];
const NO_CHANGES: ConfigChange[] = [];
// The charts start from these until their first tick: mounting stays apart from the first data.

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

interface StepChartProps {
  steps: StepPoint[];
  changes: ConfigChange[];
  range: StepRange;
  onZoom: (range: [number, number]) => void;
}

const StepLossChart = memo(function StepLossChart({ steps, changes, logScale, range, onZoom }: StepChartProps & { logScale: boolean }) {
  const data = useMemo(() => stepsInRange(steps, range), [steps, range]);
  const { handlers, band } = useDragZoom(onZoom);
  return (
    <Chart title="Step loss" testId="chart-step-loss" empty={data.length === 0}>
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} {...handlers}>
        <CartesianGrid stroke="#e2e8f0" />
        <XAxis dataKey="step" type="number" domain={range ?? ['dataMin', 'dataMax']} allowDecimals={false} allowDataOverflow />
        <YAxis scale={logScale ? 'log' : 'linear'} domain={['auto', 'auto']} width={52} tickFormatter={(v: number) => v.toPrecision(2)} allowDataOverflow />
        <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(s) => `step ${s}`} />
        {changeMarkers(changes, 'step')}
        <Line type="linear" dataKey="loss" stroke="#0284c7" dot={false} isAnimationActive={false} strokeWidth={1.5} />
        {band}
      </LineChart>
    </Chart>
  );
});

const LearningRateChart = memo(function LearningRateChart({ steps, changes, range, onZoom }: StepChartProps) {
  const data = useMemo(() => stepsInRange(steps, range), [steps, range]);
  const { handlers, band } = useDragZoom(onZoom);
  return (
    <Chart title="Learning rate" testId="chart-lr" empty={data.length === 0}>
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} {...handlers}>
        <CartesianGrid stroke="#e2e8f0" />
        <XAxis dataKey="step" type="number" domain={range ?? ['dataMin', 'dataMax']} allowDecimals={false} allowDataOverflow />
        <YAxis scale="log" domain={['auto', 'auto']} width={62} tickFormatter={(v: number) => v.toExponential(1)} allowDataOverflow />
        <Tooltip formatter={(v) => Number(v).toExponential(3)} labelFormatter={(s) => `step ${s}`} />
        {changeMarkers(changes, 'step')}
        <Line type="stepAfter" dataKey="learningRate" stroke="#b45309" dot={false} isAnimationActive={false} />
        {band}
      </LineChart>
    </Chart>
  );
});

const EpochLossChart = memo(function EpochLossChart({ history, changes, logScale }: { history: EpochRecord[]; changes: ConfigChange[]; logScale: boolean }) {
  const data = useMemo(() => thin(history), [history]);
  return (
    <Chart title="Loss per epoch" testId="chart-epoch-loss" empty={data.length === 0} keys={[['train', '#0284c7'], ['val', '#c2410c']]}>
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#e2e8f0" />
        <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
        <YAxis scale={logScale ? 'log' : 'linear'} domain={['auto', 'auto']} width={52} tickFormatter={(v: number) => v.toPrecision(2)} allowDataOverflow />
        <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(e) => `epoch ${e}`} />
        {changeMarkers(changes, 'epoch')}
        <Line name="train" type="linear" dataKey="trainLoss" stroke="#0284c7" isAnimationActive={false} />
        <Line name="val" type="linear" dataKey="valLoss" stroke="#c2410c" isAnimationActive={false} />
      </LineChart>
    </Chart>
  );
});

const MetricsChart = memo(function MetricsChart({ history, changes }: { history: EpochRecord[]; changes: ConfigChange[] }) {
  const data = useMemo(() => thin(history), [history]);
  return (
    <Chart title="Validation metrics" testId="chart-metrics" empty={data.length === 0} keys={[['Dice', '#15803d'], ['IoU', '#7c3aed'], ['precision', '#0369a1'], ['recall', '#b91c1c']]}>
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#e2e8f0" />
        <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
        <YAxis domain={[0, 1]} width={44} tickFormatter={(v: number) => v.toFixed(2)} />
        <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(e) => `epoch ${e}`} />
        {changeMarkers(changes, 'epoch')}
        <Line name="Dice" dataKey="dice" stroke="#15803d" isAnimationActive={false} />
        <Line name="IoU" dataKey="iou" stroke="#7c3aed" isAnimationActive={false} />
        <Line name="precision" dataKey="precision" stroke="#0369a1" isAnimationActive={false} strokeDasharray="5 3" />
        <Line name="recall" dataKey="recall" stroke="#b91c1c" isAnimationActive={false} strokeDasharray="2 2" />
      </LineChart>
    </Chart>
  );
});

/** Live curves: step loss, epoch losses, validation metrics and the learning rate, with change markers. */
export function Charts() {
  const steps = useStudio((s) => s.training.steps);
  const history = useStudio((s) => s.training.history);
  const hasRun = useStudio((s) => s.training.run != null);
  const changes = useStudio((s) => s.training.changes);
  const [logScale, setLogScale] = useState(false);
  // The step range both step charts show; null follows the whole run.
  const [range, setRange] = useState<StepRange>(null);
  const quarter = REDRAW_MS / 4;
  const stepsA = useStaggered(steps, REDRAW_MS, 0, NO_STEPS);
  const stepsB = useStaggered(steps, REDRAW_MS, quarter, NO_STEPS);
  const historyA = useStaggered(history, REDRAW_MS, 2 * quarter, NO_EPOCHS);
  const historyB = useStaggered(history, REDRAW_MS, 3 * quarter, NO_EPOCHS);
  // A marker redraws a chart too: each chart takes new markers on its own tick.
  const changesA = useStaggered(changes, REDRAW_MS, 0, NO_CHANGES);
  const changesB = useStaggered(changes, REDRAW_MS, quarter, NO_CHANGES);
  const changesC = useStaggered(changes, REDRAW_MS, 2 * quarter, NO_CHANGES);
  const changesD = useStaggered(changes, REDRAW_MS, 3 * quarter, NO_CHANGES);
  // Mounted as soon as a run exists (while it compiles), so mounting four charts never lands mid-training.
  if (!hasRun) return null;

  return (
    <section className="panel" aria-labelledby="charts-title">
      <div className="row spread">
        <h2 id="charts-title">Curves</h2>
        <div className="row">
          {range ? (
            <button type="button" onClick={() => setRange(null)} data-testid="zoom-reset">
              Steps {range[0]}–{range[1]}: show all
            </button>
          ) : (
            <span className="muted">Drag across a step chart to zoom in.</span>
          )}
          <label className="inline">
            <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> log-scale loss
          </label>
        </div>
      </div>
      {changes.length > 0 && (
        <ul className="changes" data-testid="change-list" aria-label="Hyperparameter changes">
          {changes.map((c, i) => (
            <li key={i} data-testid="change-marker">
              {describeChange(c)}
            </li>
          ))}
        </ul>
      )}
      <div className="charts">
        <StepLossChart steps={stepsA} changes={changesA} logScale={logScale} range={range} onZoom={setRange} />
        <EpochLossChart history={historyA} changes={changesC} logScale={logScale} />
        <MetricsChart history={historyB} changes={changesD} />
        <LearningRateChart steps={stepsB} changes={changesB} range={range} onZoom={setRange} />
      </div>
    </section>
  );
}
