import { useState } from 'react';
import { startDemoRun, stopRun, useStudio } from '../store/studioStore';
import { LossChart } from './LossChart';

/**
 * A quick proof that training works here: the `tiny` TransUNet on generated ellipses. It sits folded
 * in the Engine panel (a check of the engine, not the run the page is about).
 */
export function SpinePanel() {
  const run = useStudio((s) => s.run);
  const engineReady = useStudio((s) => s.engine.phase === 'ready');
  const datasetReady = useStudio((s) => s.dataset.phase === 'ready' && (s.dataset.split?.train.pairs ?? 0) > 0);
  const [onEllipses, setOnEllipses] = useState(false);
  const useDataset = datasetReady && !onEllipses;
  const [steps, setSteps] = useState(20);
  const busy = run.phase === 'building' || run.phase === 'compiling' || run.phase === 'training';
  const last = run.steps[run.steps.length - 1];

  return (
    <section className="quick-check" aria-labelledby="spine-title" data-testid="quick-check">
      <details>
        <summary>
          <h3 id="spine-title">Quick check: train a tiny TransUNet</h3>
        </summary>
        <p className="muted">
          Trains the <code>tiny</code> preset (TransUNet, base 4, one transformer block) for a few steps, to show that this browser can train: on the loaded
          dataset's train split, or on generated ellipses.
        </p>
        {datasetReady && (
          <label className="inline">
            <input type="checkbox" checked={onEllipses} onChange={(e) => setOnEllipses(e.target.checked)} disabled={busy} /> use generated ellipses instead of
            the dataset
          </label>
        )}
        <div className="row">
          <label htmlFor="steps-input">Steps</label>
          <input
            id="steps-input"
            type="number"
            min={1}
            max={1000}
            value={steps}
            disabled={busy}
            onChange={(e) => setSteps(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
          />
          <button
            type="button"
            className="primary"
            disabled={!engineReady || busy}
            onClick={() => startDemoRun({ preset: 'tiny', steps, batchSize: 2, seed: 1, useDataset })}
          >
            Train
          </button>
          <button type="button" disabled={!busy} onClick={stopRun}>
            Stop
          </button>
        </div>
        <p className="status" role="status" aria-live="polite" data-testid="run-status" data-phase={run.phase}>
          {run.phase === 'idle' ? 'Ready.' : run.message}
          {last && ` — step ${last.step}, loss ${last.loss.toFixed(4)}`}
          {run.medianMs != null && ` — median ${run.medianMs.toFixed(0)} ms/step`}
        </p>
        {run.error && (
          <p className="error" role="alert">
            {run.error}
          </p>
        )}
        {run.steps.length > 0 && <LossChart points={run.steps} />}
        {run.steps.length > 0 && (
          <table className="steps" aria-label="Loss of each step">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Loss</th>
                <th scope="col">ms</th>
              </tr>
            </thead>
            <tbody>
              {run.steps.slice(-10).map((p) => (
                <tr key={p.step} data-testid="step-row">
                  <td>{p.step}</td>
                  <td data-testid="step-loss">{p.loss.toFixed(5)}</td>
                  <td>{p.ms.toFixed(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </section>
  );
}
