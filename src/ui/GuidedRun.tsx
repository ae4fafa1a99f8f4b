import { useState } from 'react';
import { isRunLive } from '../store/events';
import { startGuidedRun, useStudio } from '../store/studioStore';
import { useSecondsLeft } from './useSecondsLeft';

const MIN_MINUTES = 1;
const MAX_MINUTES = 600;

function clock(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** "Best model in N minutes": times the candidates on this machine, says what it chose and why, and starts the run. */
export function GuidedRun() {
  const guided = useStudio((s) => s.guided);
  const datasetReady = useStudio((s) => s.dataset.phase === 'ready');
  const engineReady = useStudio((s) => s.engine.phase === 'ready');
  const phase = useStudio((s) => s.training.phase);
  const run = useStudio((s) => s.training.run);
  const [draft, setDraft] = useState(String(guided.minutes));
  const minutes = Number(draft);
  const valid = Number.isFinite(minutes) && minutes >= MIN_MINUTES && minutes <= MAX_MINUTES;
  const live = isRunLive(phase);
  const timing = guided.phase === 'timing';
  const limit = run?.config.timeLimitMinutes;
  const secondsLeft = useSecondsLeft(run?.id, limit, phase);
  const plan = guided.plan;

  return (
    <div className="guided" data-testid="guided-run">
      <div className="row">
        <label htmlFor="guided-minutes">Minutes</label>
        <input
          id="guided-minutes"
          type="number"
          min={MIN_MINUTES}
          max={MAX_MINUTES}
          step={1}
          value={draft}
          disabled={timing || live}
          aria-invalid={!valid}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button
          type="button"
          disabled={!valid || !datasetReady || !engineReady || timing || live}
          title="Times each candidate model and size on this machine, picks the one that fits, and trains it with a warm-up then cosine schedule"
          onClick={() => startGuidedRun(minutes)}
        >
          Best model in {valid ? minutes : 'N'} {minutes === 1 ? 'minute' : 'minutes'}
        </button>
      </div>
      {!valid && (
        <p className="error" role="alert">
          Minutes must be a number from {MIN_MINUTES} to {MAX_MINUTES}.
        </p>
      )}
      <div role="status" aria-live="polite" data-testid="guided-status" data-phase={guided.phase}>
        {timing && <p>{guided.message}</p>}
        {guided.phase === 'failed' && (
          <p className="error" role="alert">
            {guided.error}
          </p>
        )}
        {plan && guided.phase === 'chosen' && (
          <>
            <p data-testid="guided-choice" data-preset={plan.candidate.preset} data-size={`${plan.candidate.height}x${plan.candidate.width}`}>
              <strong>{plan.why[plan.why.length - 1]}</strong>
            </p>
            <ul className="muted" data-testid="guided-why">
              {plan.backend && <li>backend: {plan.backend}</li>}
              {plan.why.slice(0, -1).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </>
        )}
        {secondsLeft !== null && limit !== undefined && (
          <p data-testid="guided-countdown" data-seconds-left={Math.max(0, secondsLeft).toFixed(1)}>
            Time limit {limit} min: {clock(secondsLeft)} left{phase === 'paused' ? ' (paused: the limit waits)' : ''}
          </p>
        )}
      </div>
    </div>
  );
}
