import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunReason } from '../ml/train/contract';
import { isRunLive } from '../store/events';
import { deleteRun, listRuns, resumeRun, useStudio } from '../store/studioStore';

const COLOURS = ['#0284c7', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0f766e'];

/** What the comparison chart can overlay, per epoch; scores sit on 0-1, losses on their own range. */
const COMPARE_METRICS = [
  { key: 'dice', label: 'val Dice', bounded: true },
  { key: 'iou', label: 'val IoU', bounded: true },
  { key: 'valLoss', label: 'val loss', bounded: false },
  { key: 'trainLoss', label: 'train loss', bounded: false },
] as const;
type CompareKey = (typeof COMPARE_METRICS)[number]['key'];

/** Past runs from this browser's storage: their settings and scores, resume, delete, compare curves. */

/** Why a run stands where it does, in the runs table (a person's own pause or stop needs no note). */
const REASON_LABEL: Record<RunReason, string> = { user: 'by you', nan: 'NaN loss', 'early-stopping': 'early stopping', error: 'error' };
export function RunsPanel() {
  const runs = useStudio((s) => s.runs);
  const runsError = useStudio((s) => s.runsError);
  const phase = useStudio((s) => s.training.phase);
  const engineReady = useStudio((s) => s.engine.phase === 'ready');
  const [selected, setSelected] = useState<string[]>([]);
  const [metricKey, setMetricKey] = useState<CompareKey>('dice');
  const [moreEpochs, setMoreEpochs] = useState(2);
  const metric = COMPARE_METRICS.find((m) => m.key === metricKey)!;
  const live = isRunLive(phase);
  const liveRunId = useStudio((s) => (isRunLive(s.training.phase) ? (s.training.run?.id ?? null) : null));
  const savedEpoch = useStudio((s) => (s.training.lastCheckpoint?.saved ? s.training.lastCheckpoint.epoch : null));

  // Refresh the list when the engine starts, after each saved checkpoint (so the run in progress is
  // listed as it is saved) and whenever a run stops being live.
  useEffect(() => {
    if (engineReady) listRuns();
  }, [engineReady, live, savedEpoch]);

  const compared = runs.filter((r) => selected.includes(r.id));
  const data = useMemo(() => {
    const epochs = Math.max(0, ...compared.map((r) => r.history.length));
    return Array.from({ length: epochs }, (_, i) => Object.fromEntries([['epoch', i + 1], ...compared.map((r) => [r.id, r.history[i]?.[metricKey]])]));
  }, [compared, metricKey]);

  return (
    <section className="panel" aria-labelledby="runs-title" data-testid="runs-panel">
      <h2 id="runs-title">Runs in this browser</h2>
      {runsError && (
        <p className="error" role="alert" data-testid="runs-error">
          {runsError}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="muted">No saved runs yet. Runs, their curves and checkpoints are saved here as they train.</p>
      ) : (
        // A narrow window scrolls the table, not the page.
        <div className="table-scroll">
          <label className="more-epochs">
            Epochs to add when continuing a finished run{' '}
            <input
              type="number"
              min={1}
              max={1000}
              value={moreEpochs}
              data-testid="more-epochs"
              onChange={(e) => setMoreEpochs(Math.min(1000, Math.max(1, Math.round(Number(e.target.value)) || 1)))}
            />
          </label>
          <table className="runs">
            <thead>
              <tr>
                <th scope="col">compare</th>
                <th scope="col">run</th>
                <th scope="col">model</th>
                <th scope="col">optimizer</th>
                <th scope="col">batch</th>
                <th scope="col">epochs</th>
                <th scope="col">best val Dice</th>
                <th scope="col">test Dice</th>
                <th scope="col">status</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-testid="run-row">
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare ${run.name}`}
                      checked={selected.includes(run.id)}
                      onChange={(e) => setSelected(e.target.checked ? [...selected, run.id] : selected.filter((id) => id !== run.id))}
                    />
                  </td>
                  <td>{run.name}</td>
                  <td>
                    {run.config.preset} {run.config.height}x{run.config.width}
                  </td>
                  <td data-testid="run-optimizer">
                    {run.config.optimizer.name}, lr {run.config.optimizer.learningRate}
                  </td>
                  <td data-testid="run-batch">{run.config.batchSize}</td>
                  <td data-testid="run-epochs" data-origins={run.history.map((e) => e.origin ?? 'studio').join(',')}>
                    {run.history.length} / {run.config.epochs}
                    {run.history.some((e) => e.origin === 'torch') && (
                      <span className="muted" title="epochs trained on PyTorch from an exported job">
                        {' '}
                        ({run.history.filter((e) => e.origin === 'torch').length} on PyTorch)
                      </span>
                    )}
                  </td>
                  <td>{run.best ? run.best.dice.toFixed(4) : '—'}</td>
                  <td>{run.test ? run.test.dice.toFixed(4) : '—'}</td>
                  <td title={run.message ?? undefined} data-testid="run-state">
                    {/* The stored status is as of the last save; the run in progress shows what it does now. */}
                    {run.id === liveRunId ? phase : run.status}
                    {run.id !== liveRunId && run.reason && run.reason !== 'user' && <span className="muted"> ({REASON_LABEL[run.reason]})</span>}
                  </td>
                  <td className="actions">
                    {run.history.length >= run.config.epochs ? (
                      <button type="button" disabled={live} onClick={() => resumeRun(run.id, moreEpochs)}>
                        Continue +{moreEpochs}
                      </button>
                    ) : (
                      <button type="button" disabled={live} onClick={() => resumeRun(run.id)}>
                        Resume
                      </button>
                    )}
                    <button type="button" disabled={live} onClick={() => deleteRun(run.id)} aria-label={`delete ${run.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {compared.length > 0 && (
        <figure className="chart-card" data-testid="compare-chart">
          <figcaption className="row spread">
            <span>{metric.label[0].toUpperCase() + metric.label.slice(1)} of the selected runs</span>
            <label className="inline">
              metric
              <select value={metricKey} onChange={(e) => setMetricKey(e.target.value as CompareKey)} data-testid="compare-metric">
                {COMPARE_METRICS.map((m) => (
                  <option key={m.key} value={m.key}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
          </figcaption>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="#e2e8f0" />
              <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
              <YAxis domain={metric.bounded ? [0, 1] : ['auto', 'auto']} width={52} tickFormatter={(v: number) => v.toPrecision(2)} />
              <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(e) => `epoch ${e}`} />
              <Legend />
              {compared.map((run, i) => (
                <Line key={run.id} name={run.name} dataKey={run.id} stroke={COLOURS[i % COLOURS.length]} isAnimationActive={false} connectNulls />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
    </section>
  );
}
