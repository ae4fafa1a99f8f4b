/**
 * Predictions on the tracked validation images: photo, truth, thresholded prediction, tinted overlay
 * and error map per image, with per-image Dice/IoU recomputed here from the Uint8 probability maps
 * (128x192 is cheap), so the threshold slider answers at once without asking the worker.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { ProbabilityMap } from '../ml/train/predict';
import { isRunLive } from '../store/events';
import { requestOverlays, setSetting, useStudio } from '../store/studio';
import type { OverlaySource } from '../worker/protocol';
import {
  ERROR_COLOURS,
  cardId,
  confusion,
  diceOf,
  formatScore,
  iouOf,
  renderErrorMap,
  renderMask,
  renderOverlay,
  renderPhoto,
  renderProbability,
  thresholdMask,
  type Counts,
  type Rgba,
} from './overlayMath';
import './overlays.css';

type ViewKey = 'photo' | 'truth' | 'probability' | 'prediction' | 'overlay' | 'error';
const VIEW_LABELS: Record<ViewKey, string> = {
  photo: 'Photo',
  truth: 'Ground truth',
  probability: 'Probability',
  prediction: 'Prediction',
  overlay: 'Overlay',
  error: 'Error map',
};
// The probability view is only offered enlarged: five small canvases already fill a card.
const CARD_VIEWS: ViewKey[] = ['photo', 'truth', 'prediction', 'overlay', 'error'];
// Settings are saved and sent to a live run once the slider rests, not on every pixel of a drag.
const COMMIT_MS = 200;

/** One tracked image scored at the current threshold; `map` is absent before the first overlays. */
interface Scored {
  source: OverlaySource;
  map: ProbabilityMap | null;
  pred: Uint8Array | null;
  counts: Counts | null;
  problem: string | null;
}

function score(source: OverlaySource, map: ProbabilityMap | undefined, threshold: number): Scored {
  if (!map) return { source, map: null, pred: null, counts: null, problem: null };
  if (map.probabilities.length !== source.mask.length) {
    const problem = `Prediction is ${map.width}x${map.height} but the image is ${source.width}x${source.height}.`;
    return { source, map, pred: null, counts: null, problem };
  }
  const pred = thresholdMask(map.probabilities, threshold);
  return { source, map, pred, counts: confusion(pred, source.mask), problem: null };
}

/** Every view of one image; each is memoised on just what it depends on. */
function useViews(item: Scored, opacity: number): Partial<Record<ViewKey, Rgba>> {
  const { source, map, pred } = item;
  const photo = useMemo(() => renderPhoto(source.rgb, source.width, source.height), [source]);
  const truth = useMemo(() => renderMask(source.mask), [source]);
  // Depends on the map, not the threshold; skipped when the map's size does not match the photo.
  const drawable = pred !== null;
  const probability = useMemo(() => (map && drawable ? renderProbability(map.probabilities) : undefined), [map, drawable]);
  const prediction = useMemo(() => (pred ? renderMask(pred) : undefined), [pred]);
  const overlay = useMemo(() => (pred ? renderOverlay(source.rgb, pred, opacity) : undefined), [source, pred, opacity]);
  const error = useMemo(() => (pred ? renderErrorMap(source.rgb, pred, source.mask) : undefined), [source, pred]);
  return { photo, truth, probability, prediction, overlay, error };
}

function RgbaCanvas({ rgba, width, height, label, testId }: { rgba: Rgba; width: number; height: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={ref} width={width} height={height} role="img" aria-label={label} data-testid={testId} />;
}

function Scores({ counts, testId }: { counts: Counts | null; testId?: string }) {
  return (
    <p className="overlay-scores">
      <span data-testid={testId}>Dice {counts ? formatScore(diceOf(counts)) : '—'}</span>
      <span>IoU {counts ? formatScore(iouOf(counts)) : '—'}</span>
    </p>
  );
}

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
                    testId={key === 'prediction' || key === 'error' ? `overlay-canvas-${key}` : undefined}
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

/** A modal view of one image; Escape (the dialog's own cancel) and the backdrop close it. */
function EnlargeDialog({ item, view, opacity, onView, onClose }: { item: Scored | null; view: ViewKey; opacity: number; onView: (v: ViewKey) => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (item && !dialog.open) dialog.showModal();
    if (!item && dialog.open) dialog.close();
  }, [item]);
  return (
    <dialog ref={ref} className="overlay-dialog" aria-labelledby="overlay-dialog-title" onClose={onClose} onClick={(e) => e.target === e.currentTarget && onClose()}>
      {item && <DialogBody item={item} view={view} opacity={opacity} onView={onView} onClose={onClose} />}
    </dialog>
  );
}

function DialogBody({ item, view, opacity, onView, onClose }: { item: Scored; view: ViewKey; opacity: number; onView: (v: ViewKey) => void; onClose: () => void }) {
  const views = useViews(item, opacity);
  const rgba = views[view] ?? views.photo;
  return (
    <div className="overlay-dialog-body">
      <div className="overlay-dialog-head">
        <h2 id="overlay-dialog-title">
          {item.source.name}: {VIEW_LABELS[view]}
        </h2>
        <button type="button" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <div className="overlay-tabs" role="group" aria-label="View">
        {(Object.keys(VIEW_LABELS) as ViewKey[]).map((key) => (
          <button key={key} type="button" aria-pressed={key === view} disabled={!views[key]} onClick={() => onView(key)}>
            {VIEW_LABELS[key]}
          </button>
        ))}
      </div>
      {rgba && <RgbaCanvas rgba={rgba} width={item.source.width} height={item.source.height} label={`${VIEW_LABELS[view]} of ${item.source.name}, enlarged`} />}
      <Scores counts={item.counts} />
      {view === 'error' && <ErrorLegend />}
    </div>
  );
}

function ErrorLegend() {
  const swatch = (c: readonly number[]) => ({ background: `rgb(${c.join(',')})` });
  return (
    <ul className="overlay-legend" aria-label="Error map colours">
      <li><span className="swatch" style={swatch(ERROR_COLOURS.tp)} /> car found</li>
      <li><span className="swatch" style={swatch(ERROR_COLOURS.fp)} /> background called car</li>
      <li><span className="swatch" style={swatch(ERROR_COLOURS.fn)} /> car missed</li>
    </ul>
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
          <input type="range" min={0.01} max={0.99} step={0.01} value={threshold} data-testid="threshold-slider" onChange={(e) => onThreshold(Number(e.target.value))} />
        </label>
        <label>
          <span>Overlay opacity {Math.round(opacity * 100)}%</span>
          <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
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
            {pending && live ? 'Requested: drawn after the current step.' : live ? '' : 'Available while a run is live.'}
          </span>
        </div>
      </div>
      {settingError && <p className="error" role="alert">{settingError}</p>}
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
      <EnlargeDialog item={openItem} view={open?.view ?? 'photo'} opacity={opacity} onView={(view) => open && setOpen({ ...open, view })} onClose={() => setOpen(null)} />
    </section>
  );
}
