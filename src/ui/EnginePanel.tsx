import { useState } from 'react';
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { isRunLive } from '../store/events';
import { setSetting, startEngine, useStudio } from '../store/studioStore';
import { SpinePanel } from './SpinePanel';

/** 1 to the machine's logical cores (and the saved value, should it come from a bigger machine). */
function threadOptions(saved: number): number[] {
  const cores = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
  return Array.from({ length: Math.max(cores, saved) }, (_, i) => i + 1);
}

/**
 * Which tfjs backend runs, on what adapter, and why; the backend and wasm threads are saved settings.
 * The quick check (does this browser train at all?) sits folded at its foot.
 */
export function EnginePanel() {
  const engine = useStudio((s) => s.engine);
  const runPhase = useStudio((s) => s.run.phase);
  const trainingLive = useStudio((s) => isRunLive(s.training.phase));
  const preference = useStudio((s) => s.settings.backend);
  const threads = useStudio((s) => s.settings.wasmThreads);
  const [error, setError] = useState<string | null>(null);
  const busy = runPhase === 'building' || runPhase === 'compiling' || runPhase === 'training' || trainingLive;
  const choice = engine.choice;

  return (
    <section className="panel engine-panel" aria-labelledby="engine-title">
      <h2 id="engine-title">Engine</h2>
      <div className="row">
        <label htmlFor="backend-select">Backend</label>
        <select
          id="backend-select"
          value={preference}
          disabled={busy}
          onChange={(e) => {
            const value = e.target.value as BackendPreference;
            const problem = setSetting('backend', value);
            setError(problem);
            if (!problem) startEngine(value, threads);
          }}
        >
          <option value="auto">auto (fastest available)</option>
          {BACKEND_NAMES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <label htmlFor="threads-select">wasm threads</label>
        <select
          id="threads-select"
          value={threads}
          disabled={busy}
          aria-describedby="threads-hint"
          onChange={(e) => {
            const problem = setSetting('wasmThreads', Number(e.target.value));
            setError(problem);
            // The wasm module takes its thread count once, when it starts: the page restarts with the
            // new count (it is already in the address bar and saved); runs are kept in this browser.
            if (!problem) window.location.reload();
          }}
        >
          <option value={0}>auto</option>
          {threadOptions(threads).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <span className="muted" id="threads-hint">
          used by wasm; changing it reloads the page
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {engine.phase === 'starting' && (
        <p className="muted" role="status">
          {engine.message ?? 'Starting the engine...'}
        </p>
      )}
      {/* A failed start, or a worker failure after it (no request to blame). */}
      {engine.error && engine.phase !== 'starting' && (
        <p className="error" role="alert" data-testid="engine-error">
          {engine.error}
        </p>
      )}
      {choice && (
        <dl className="facts">
          <dt>In use</dt>
          <dd>
            <span data-testid="backend-name">{choice.backend}</span>
            {choice.threads !== undefined && (
              <span className="muted" data-testid="wasm-threads" data-threads={choice.threads}>
                {' '}
                · {choice.threads} thread{choice.threads === 1 ? '' : 's'}
              </span>
            )}
          </dd>
          <dt>Why</dt>
          <dd data-testid="backend-reason">{choice.reason}</dd>
          {choice.threadChoice && choice.threads !== undefined && (
            <>
              <dt>wasm threads</dt>
              <dd data-testid="thread-reason" data-measured={choice.threadChoice.timings.length > 0} data-timings={JSON.stringify(choice.threadChoice.timings)}>
                {choice.threadChoice.reason}
              </dd>
            </>
          )}
          <dt>WebGPU adapter</dt>
          <dd data-testid="adapter">
            {choice.adapter ? `${choice.adapter.vendor} ${choice.adapter.architecture}`.trim() : 'none'}
            {choice.adapter && (
              <span className={choice.adapter.isFallbackAdapter ? 'badge warn' : 'badge ok'} data-testid="adapter-fallback">
                {choice.adapter.isFallbackAdapter ? 'software fallback' : 'hardware'}
              </span>
            )}
          </dd>
          {choice.skipped.length > 0 && (
            <>
              <dt>Skipped</dt>
              <dd>
                <ul className="plain">
                  {choice.skipped.map((s) => (
                    <li key={s.backend}>
                      {s.backend}: {s.reason}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
      <SpinePanel />
    </section>
  );
}
