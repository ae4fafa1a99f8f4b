import { memo, startTransition, useEffect, useMemo, useRef, useState } from 'react';
import type { ConfigChange, EpochRecord, StepRecord } from '../ml/train/config';
import { isRunLive } from '../store/events';
import type { Rollback } from '../store/steps';
import { useStudio } from '../store/studioStore';
import { thin, type StepRange } from './chartData';
import { Chart, changeMarkers, describeChange, describeRollback, originMarkers } from './chartParts';
import { SvgChart, type SeriesDef } from './SvgChart';
import { LearningRateChart, StepLossChart } from './StepCharts';

/**
 * The value as it was at the last tick of a clock of `intervalMs` started `phaseMs` late. Each chart
 * gets its own phase, so no two redraw in the same frame, and a chart redraws once a second however
 * fast the steps come.
 */
function useStaggered<T>(value: T, intervalMs: number, phaseMs: number, initial: T): T {
  // Starting from `initial` (empty) makes the charts mount one per tick as well, not all four at once.
  const [shown, setShown] = useState(initial);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    let timer = setTimeout(function tick() {
      // A transition: React renders the chart in slices that yield, not in one task.
      startTransition(() => setShown(latest.current));
      timer = setTimeout(tick, intervalMs);
    }, phaseMs);
    return () => clearTimeout(timer);
  }, [intervalMs, phaseMs]);
  return shown;
}

const REDRAW_MS = 1000;
const WAITING_FOR_EPOCHS = 'waiting for the first epoch...';
const WAITING_FOR_STEPS = 'waiting for the first steps...';
// A run imported from elsewhere (a PyTorch RUN, an export's run.json) brings epochs but no step series.
const NO_STEPS_RECORDED = 'no steps recorded here: this run was trained elsewhere';
const NO_STEPS: StepRecord[] = [];
const NO_ROLLBACKS: Rollback[] = [];
const NO_EPOCHS: EpochRecord[] = [];
const NO_CHANGES: ConfigChange[] = [];
// The charts start from these until their first tick: mounting stays apart from the first data.

const epochOf = (h: EpochRecord) => h.epoch;
const LOSSES: ReadonlyArray<SeriesDef<EpochRecord>> = [
  { name: 'train', colour: '#0284c7', value: (h) => h.trainLoss },
  { name: 'val', colour: '#c2410c', value: (h) => h.valLoss },
];
const METRICS: ReadonlyArray<SeriesDef<EpochRecord>> = [
  { name: 'Dice', colour: '#15803d', value: (h) => h.dice },
  { name: 'IoU', colour: '#7c3aed', value: (h) => h.iou },
  { name: 'precision', colour: '#0369a1', value: (h) => h.precision, dash: '5 3' },
  { name: 'recall', colour: '#b91c1c', value: (h) => h.recall, dash: '2 2' },
];
const UNIT: [number, number] = [0, 1];
const keysOf = (series: ReadonlyArray<SeriesDef<EpochRecord>>) => series.map((s): [string, string] => [s.name, s.colour]);
const precision2 = (v: number) => v.toPrecision(2);
const fixed2 = (v: number) => v.toFixed(2);
const fixed4 = (v: number) => v.toFixed(4);
const epochLabel = (e: number) => `epoch ${e}`;
/** The x range of an epoch chart: from epoch 1, and never a single point wide. */
const epochDomain = (data: EpochRecord[]): [number, number] => [1, Math.max(2, data.length ? data[data.length - 1].epoch : 2)];

const EpochLossChart = memo(function EpochLossChart({ history, changes, logScale }: { history: EpochRecord[]; changes: ConfigChange[]; logScale: boolean }) {
  const data = useMemo(() => thin(history), [history]);
  const markers = useMemo(() => [...changeMarkers(changes, 'epoch'), ...originMarkers(history)], [changes, history]);
  return (
    <Chart title="Loss per epoch" testId="chart-epoch-loss" empty={data.length === 0 ? WAITING_FOR_EPOCHS : null} keys={keysOf(LOSSES)}>
      <SvgChart
        data={data}
        x={epochOf}
        series={LOSSES}
        markers={markers}
        xDomain={epochDomain(data)}
        log={logScale}
        yTick={precision2}
        value={fixed4}
        xLabel={epochLabel}
      />
    </Chart>
  );
});

const MetricsChart = memo(function MetricsChart({ history, changes }: { history: EpochRecord[]; changes: ConfigChange[] }) {
  const data = useMemo(() => thin(history), [history]);
  const markers = useMemo(() => [...changeMarkers(changes, 'epoch'), ...originMarkers(history)], [changes, history]);
  return (
    <Chart title="Validation metrics" testId="chart-metrics" empty={data.length === 0 ? WAITING_FOR_EPOCHS : null} keys={keysOf(METRICS)}>
      <SvgChart
        data={data}
        x={epochOf}
        series={METRICS}
        markers={markers}
        xDomain={epochDomain(data)}
        yDomain={UNIT}
        yTick={fixed2}
        value={fixed4}
        xLabel={epochLabel}
      />
    </Chart>
  );
});

/** Live curves: step loss, epoch losses, validation metrics and the learning rate, with change markers. */
export function Charts() {
  const steps = useStudio((s) => s.training.steps);
  const history = useStudio((s) => s.training.history);
  const hasRun = useStudio((s) => s.training.run != null);
  const live = useStudio((s) => isRunLive(s.training.phase));
  const changes = useStudio((s) => s.training.changes);
  const rollbacks = useStudio((s) => s.training.rollbacks);
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
  const rollbacksA = useStaggered(rollbacks, REDRAW_MS, 0, NO_ROLLBACKS);
  const rollbacksB = useStaggered(rollbacks, REDRAW_MS, quarter, NO_ROLLBACKS);
  // Mounted as soon as a run exists (while it compiles), so mounting four charts never lands mid-training.
  if (!hasRun) return null;

  return (
    <section className="panel charts-panel" aria-labelledby="charts-title">
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
      {changes.length + rollbacks.length > 0 && (
        <ul className="changes" data-testid="change-list" aria-label="Hyperparameter changes and rollbacks">
          {changes.map((c, i) => (
            <li key={`c${i}`} data-testid="change-marker">
              {describeChange(c)}
            </li>
          ))}
          {rollbacks.map((r, i) => (
            <li key={`r${i}`} data-testid="rollback-item">
              {describeRollback(r)}
            </li>
          ))}
        </ul>
      )}
      {/* Step loss and validation metrics first: on a short screen they are the row that shows. */}
      <div className="charts">
        <StepLossChart
          steps={stepsA}
          changes={changesA}
          rollbacks={rollbacksA}
          logScale={logScale}
          range={range}
          noSteps={live ? WAITING_FOR_STEPS : NO_STEPS_RECORDED}
          onZoom={setRange}
        />
        <MetricsChart history={historyB} changes={changesD} />
        <EpochLossChart history={historyA} changes={changesC} logScale={logScale} />
        <LearningRateChart
          steps={stepsB}
          changes={changesB}
          rollbacks={rollbacksB}
          range={range}
          noSteps={live ? WAITING_FOR_STEPS : NO_STEPS_RECORDED}
          onZoom={setRange}
        />
      </div>
    </section>
  );
}
