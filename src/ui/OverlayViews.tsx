/**
 * The views of one image's prediction (photo, truth, probability, thresholded prediction, tinted
 * overlay, error map), scored at a threshold, and the dialog that shows one enlarged. Shared by the
 * tracked validation images and the test table's rows.
 */
import { useEffect, useId, useMemo, useRef, type ReactNode } from 'react';
import type { ProbabilityMap } from '../ml/train/predict';
import type { OverlaySource } from '../worker/protocol';
import {
  ERROR_COLOURS,
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

export type ViewKey = 'photo' | 'truth' | 'probability' | 'prediction' | 'overlay' | 'error';
export const VIEW_LABELS: Record<ViewKey, string> = {
  photo: 'Photo',
  truth: 'Ground truth',
  probability: 'Probability',
  prediction: 'Prediction',
  overlay: 'Overlay',
  error: 'Error map',
};
// The probability view is only offered enlarged: five small canvases already fill a card.
export const CARD_VIEWS: ViewKey[] = ['photo', 'truth', 'prediction', 'overlay', 'error'];

/** One tracked image scored at the current threshold; `map` is absent before the first overlays. */
export interface Scored {
  source: OverlaySource;
  map: ProbabilityMap | null;
  pred: Uint8Array | null;
  counts: Counts | null;
  problem: string | null;
}

export function score(source: OverlaySource, map: ProbabilityMap | undefined, threshold: number): Scored {
  if (!map) return { source, map: null, pred: null, counts: null, problem: null };
  if (map.probabilities.length !== source.mask.length) {
    const problem = `Prediction is ${map.width}x${map.height} but the image is ${source.width}x${source.height}.`;
    return { source, map, pred: null, counts: null, problem };
  }
  const pred = thresholdMask(map.probabilities, threshold);
  return { source, map, pred, counts: confusion(pred, source.mask), problem: null };
}

/** Every view of one image; each is memoised on just what it depends on. */
export function useViews(item: Scored, opacity: number): Partial<Record<ViewKey, Rgba>> {
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

export function RgbaCanvas({ rgba, width, height, label, testId }: { rgba: Rgba; width: number; height: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={ref} width={width} height={height} role="img" aria-label={label} data-testid={testId} />;
}

export function Scores({ counts, testId }: { counts: Counts | null; testId?: string }) {
  return (
    <p className="overlay-scores">
      <span data-testid={testId}>Dice {counts ? formatScore(diceOf(counts)) : '—'}</span>
      <span>IoU {counts ? formatScore(iouOf(counts)) : '—'}</span>
    </p>
  );
}

/** A modal view of one image; Escape (the dialog's own cancel) and the backdrop close it. */
export function EnlargeDialog({
  item,
  view,
  opacity,
  onView,
  onClose,
  note,
  testId,
}: {
  item: Scored | null;
  view: ViewKey;
  opacity: number;
  onView: (v: ViewKey) => void;
  onClose: () => void;
  /** A line under the scores (where the image comes from, the threshold). */
  note?: ReactNode;
  testId?: string;
}) {
  const titleId = useId();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (item && !dialog.open) dialog.showModal();
    if (!item && dialog.open) dialog.close();
  }, [item]);
  return (
    <dialog
      ref={ref}
      className="overlay-dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={onClose}
      onClick={(e) => e.target === e.currentTarget && onClose()}
    >
      {item && <DialogBody item={item} view={view} opacity={opacity} onView={onView} onClose={onClose} titleId={titleId} note={note} />}
    </dialog>
  );
}

interface DialogBodyProps {
  item: Scored;
  view: ViewKey;
  opacity: number;
  onView: (v: ViewKey) => void;
  onClose: () => void;
  titleId: string;
  note: ReactNode;
}

function DialogBody({ item, view, opacity, onView, onClose, titleId, note }: DialogBodyProps) {
  const views = useViews(item, opacity);
  const rgba = views[view] ?? views.photo;
  return (
    <div className="overlay-dialog-body">
      <div className="overlay-dialog-head">
        <h2 id={titleId}>
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
      <Scores counts={item.counts} testId="dialog-dice" />
      {note && <p className="muted">{note}</p>}
      {view === 'error' && <ErrorLegend />}
    </div>
  );
}

function ErrorLegend() {
  const swatch = (c: readonly number[]) => ({ background: `rgb(${c.join(',')})` });
  return (
    <ul className="overlay-legend" aria-label="Error map colours">
      <li>
        <span className="swatch" style={swatch(ERROR_COLOURS.tp)} /> car found
      </li>
      <li>
        <span className="swatch" style={swatch(ERROR_COLOURS.fp)} /> background called car
      </li>
      <li>
        <span className="swatch" style={swatch(ERROR_COLOURS.fn)} /> car missed
      </li>
    </ul>
  );
}
