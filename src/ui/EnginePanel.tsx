import { useState } from 'react';
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { startEngine, useStudio } from '../store/studio';

/** Which tfjs backend runs, on what adapter, and why. */
export function EnginePanel({ initial }: { initial: BackendPreference }) {
  const engine = useStudio((s) => s.engine);
  const runPhase = useStudio((s) => s.run.phase);
  const [preference, setPreference] = useState<BackendPreference>(initial);
  const busy = runPhase === 'building' || runPhase === 'compiling' || runPhase === 'training';
  const choice = engine.choice;

  return (
    <section className="panel" aria-labelledby="engine-title">
      <h2 id="engine-title">Engine</h2>
      <div className="row">
        <label htmlFor="backend-select">Backend</label>
        <select
          id="backend-select"
          value={preference}
          disabled={busy}
          onChange={(e) => {
            const value = e.target.value as BackendPreference;
            setPreference(value);
            startEngine(value);
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
      {engine.phase === 'starting' && (
        <p className="muted" role="status">
          {engine.message ?? 'Starting the engine...'}
        </p>
      )}
      {engine.phase === 'failed' && <p className="error" role="alert">{engine.error}</p>}
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
          <dt>WebGPU adapter</dt>
          <dd data-testid="adapter">
            {choice.adapter
              ? `${choice.adapter.vendor} ${choice.adapter.architecture}`.trim()
              : 'none'}
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
    </section>
  );
}
