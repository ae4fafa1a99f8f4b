/**
 * Predictions on the tracked validation images: photo, truth, thresholded prediction, tinted overlay
 * and error map per image, with per-image Dice/IoU recomputed here from the Uint8 probability maps
 * (128x192 is cheap), so the threshold slider answers at once without asking the worker.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { isRunLive } from '../store/events';
import { requestOverlays, setSetting, useStudio } from '../store/studioStore';
import { cardId, diceOf, formatScore } from './overlayMath';
import { CARD_VIEWS, EnlargeDialog, RgbaCanvas, Scores, VIEW_LABELS, score, useViews, type Scored, type ViewKey } from './OverlayViews';
import './overlays.css';

// Settings are saved and sent to a live run once the slider rests, not on every pixel of a drag.
const COMMIT_MS = 200;

function OverlayCard({ item, opacity, onOpen }: { item: Scored; opacity: number; onOpen: (view: ViewKey) => void }) {
  const views = useViews(item, opacity);
  const { source } = item;
  return (
    <li className="overlay-card" id={cardId(source.name)} tabIndex={-1} data-testid="overlay-card" aria-label={source.name}>
      <div className="overlay-card-head">
        <h3>{source.name}</h3>
        <Scores counts={item.counts} testId="overlay-dice" />
      </div>
      {item.problem && <p className="error">{item.problem}</p>}
      <div className="overlay-views">
        {CARD_VIEWS.map((key) => {
          const rgba = views[key];
          return (
            <figure key={key} className="overlay-view">
              {rgba ? (
                <button type="button" onClick={() => onOpen(key)} aria-label={`Enlarge ${VIEW_LABELS[key].toLowerCase()} of ${source.name}`}>
                  <RgbaCanvas
                    rgba={rgba}
                    width={source.width}
                    height={source.height}
                    label={`${VIEW_LABELS[key]} of ${source.name}`}
                    testId={`overlay-canvas-${key}`}
                  />
                </button>
              ) : (
                <div className="overlay-placeholder" style={{ aspectRatio: `${source.width} / ${source.height}` }}>
                  waiting
                </div>
              )}
              <figcaption>{VIEW_LABELS[key]}</figcaption>
            </figure>
          );
        })}
      </div>
    </li>
  );
}

export function OverlayPanel() {
  // Deferred: the cards render in a yielding (transition) pass, not in the store's synchronous update.
  const sources = useDeferredValue(useStudio((s) => s.training.sources));
  const overlays = useDeferredValue(useStudio((s) => s.training.overlays));
  const phase = useStudio((s) => s.training.phase);
  const totalEpochs = useStudio((s) => s.training.run?.config.epochs ?? null);
  const storedThreshold = useStudio((s) => s.settings.threshold);

  // A dragged threshold shows at once; it is committed to the settings when the slider rests.
  const [draft, setDraft] = useState<number | null>(null);
  const [settingError, setSettingError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const threshold = draft ?? storedThreshold;
  const onThreshold = (value: number) => {
    setDraft(value);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setSettingError(setSetting('threshold', value));
      setDraft(null);
    }, COMMIT_MS);
  };

  const [opacity, setOpacity] = useState(0.5);
  // null follows the latest snapshot as new ones arrive; a number pins the one the user picked.
  const [picked, setPicked] = useState<number | null>(null);
  const index = picked !== null && picked < overlays.length ? picked : overlays.length - 1;
  const snapshot = index >= 0 ? overlays[index] : null;

  // The newest snapshot when Refresh was pressed: the request is pending until a newer one lands.
  const latest = overlays.length ? overlays[overlays.length - 1] : null;
  const [requestedWith, setRequestedWith] = useState<typeof latest | undefined>(undefined);
  const pending = requestedWith !== undefined && requestedWith === latest;
  const live = isRunLive(phase);

  const scored = useMemo(() => {
    const byName = new Map((snapshot?.maps ?? []).map((m) => [m.name, m]));
    return sources.map((source) => score(source, byName.get(source.name), threshold));
  }, [sources, snapshot, threshold]);
  const diceValues = scored.flatMap((s) => (s.counts ? [diceOf(s.counts)] : []));
  const meanDice = diceValues.length ? diceValues.reduce((a, b) => a + b, 0) / diceValues.length : NaN;

  const [open, setOpen] = useState<{ name: string; view: ViewKey } | null>(null);
  const openItem = open ? (scored.find((s) => s.source.name === open.name) ?? null) : null;

  if (sources.length === 0) {
    return (
      <section className="panel overlay-panel" aria-labelledby="overlay-title" data-testid="overlay-panel">
        <h2 id="overlay-title">Predictions</h2>
        <p className="muted">Start a training run: its predictions on a few validation images appear here after each epoch.</p>
      </section>
    );
  }

  const epochLabel = snapshot ? `Epoch ${snapshot.epoch} of ${totalEpochs ?? overlays[overlays.length - 1].epoch}` : 'No predictions yet';
  return (
    <section className="panel overlay-panel" aria-labelledby="overlay-title" data-testid="overlay-panel">
      <h2 id="overlay-title">Predictions on tracked validation images</h2>
      <div className="overlay-controls">
        <label>
          <span>Threshold {threshold.toFixed(2)}</span>
          <input
            type="range"
            min={0.01}
            max={0.99}
            step={0.01}
            value={threshold}
            data-testid="threshold-slider"
            onChange={(e) => onThreshold(Number(e.target.value))}
          />
        </label>
        <label>
          <span>Overlay opacity {Math.round(opacity * 100)}%</span>
          <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="opacity-slider" onChange={(e) => setOpacity(Number(e.target.value))} />
        </label>
        <label>
          <span data-testid="epoch-label">
            {epochLabel}
            {snapshot && overlays.length > 1 && <span className="muted"> · step {snapshot.step}</span>}
          </span>
          <input
            type="range"
            min={0}
            max={Math.max(0, overlays.length - 1)}
            step={1}
            value={Math.max(0, index)}
            disabled={overlays.length < 2}
            aria-valuetext={epochLabel}
            data-testid="epoch-scrubber"
            onChange={(e) => {
              const v = Number(e.target.value);
              setPicked(v === overlays.length - 1 ? null : v);
            }}
          />
        </label>
        <div className="overlay-refresh">
          <button
            type="button"
            disabled={!live}
            onClick={() => {
              requestOverlays();
              setRequestedWith(latest);
            }}
          >
            Refresh now
          </button>
          <span className="muted" role="status">
            {pending && live
              ? phase === 'paused'
                ? 'Requested: drawing now (the run stays paused).'
                : 'Requested: drawn after the current step.'
              : live
                ? ''
                : 'Available while a run is live.'}
          </span>
        </div>
      </div>
      {settingError && (
        <p className="error" role="alert">
          {settingError}
        </p>
      )}
      <p className="muted" role="status" aria-live="polite">
        {snapshot
          ? `Mean Dice over these ${diceValues.length} images at threshold ${threshold.toFixed(2)}: ${formatScore(meanDice)} (the chart's val Dice covers the whole validation split).`
          : live
            ? 'Predictions arrive at the end of each epoch, or press Refresh now.'
            : 'This run drew no predictions.'}
      </p>
      <ul className="overlay-cards">
        {scored.map((item) => (
          <OverlayCard key={item.source.name} item={item} opacity={opacity} onOpen={(view) => setOpen({ name: item.source.name, view })} />
        ))}
      </ul>
      <EnlargeDialog
        item={openItem}
        view={open?.view ?? 'photo'}
        opacity={opacity}
        onView={(view) => open && setOpen({ ...open, view })}
        onClose={() => setOpen(null)}
        testId="overlay-dialog"
      />
    </section>
  );
}
