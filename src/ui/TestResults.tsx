/**
 * Per-image metrics over the test split after a run: sortable, worst Dice first, the mean on top.
 * The worker computes them (at the run's threshold) and sends figures only; a row's pixels are
 * fetched when the user opens it.
 */
import { useDeferredValue, useMemo, useState } from 'react';
import { isRunLive } from '../store/events';
import { inspectTestImage, requestTest, useStudio } from '../store/studioStore';
import { formatScore, sortRows, type SortDirection, type SortKey } from './overlayMath';
import { EnlargeDialog, score, type ViewKey } from './OverlayViews';
import './overlays.css';

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Image' },
  { key: 'dice', label: 'Dice' },
  { key: 'iou', label: 'IoU' },
  { key: 'precision', label: 'Precision' },
  { key: 'recall', label: 'Recall' },
  { key: 'accuracy', label: 'Accuracy' },
];
const METRIC_COLUMNS = COLUMNS.filter((c) => c.key !== 'name') as Array<{ key: Exclude<SortKey, 'name'>; label: string }>;

/** The test image opened from a row, scored at the current threshold, in the same dialog as the overlays. */
function TestImageDialog() {
  const inspection = useStudio((s) => s.inspection);
  const threshold = useStudio((s) => s.settings.threshold);
  const [view, setView] = useState<ViewKey>('overlay');
  const item = useMemo(() => (inspection?.source && inspection.map ? score(inspection.source, inspection.map, threshold) : null), [inspection, threshold]);
  return (
    <EnlargeDialog
      item={item}
      view={view}
      opacity={0.5}
      onView={setView}
      onClose={() => inspectTestImage(null)}
      note={`A test image (its car was never trained on), predicted by the run's model as it stands now, at threshold ${threshold.toFixed(2)}.`}
      testId="test-dialog"
    />
  );
}

export function TestResults() {
  const test = useDeferredValue(useStudio((s) => s.training.test));
  const inspection = useStudio((s) => s.inspection);
  const threshold = useStudio((s) => s.settings.threshold);
  const phase = useStudio((s) => s.training.phase);
  const [sort, setSort] = useState<{ key: SortKey; direction: SortDirection }>({ key: 'dice', direction: 'ascending' });
  const rows = useMemo(() => (test ? sortRows(test.perImage, sort.key, sort.direction) : []), [test, sort]);

  if (!test) {
    return (
      <section className="panel test-results" aria-labelledby="test-title" data-testid="test-results">
        <h2 id="test-title">Test results</h2>
        <p className="muted">When a run finishes, its model is scored on the held-out test split and each image's metrics appear here.</p>
      </section>
    );
  }

  const onSort = (key: SortKey) =>
    setSort((s) =>
      s.key === key
        ? { key, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : // Metrics start worst first (where problems hide); names start A to Z.
          { key, direction: 'ascending' },
    );

  return (
    <section className="panel test-results" aria-labelledby="test-title" data-testid="test-results">
      <h2 id="test-title">Test results</h2>
      <p className="muted">
        {test.perImage.length} test images, loss {Number.isFinite(test.loss) ? test.loss.toFixed(4) : '—'}. Click a column to sort it, an image to see its
        prediction; the test split holds cars never seen in training or validation.
      </p>
      {test.threshold !== threshold && (
        <p className="muted">
          Scored at threshold {test.threshold.toFixed(2)}; the slider is at {threshold.toFixed(2)}.{' '}
          <button type="button" disabled={isRunLive(phase) && phase !== 'paused'} onClick={() => requestTest(threshold)} data-testid="rescore-test">
            Score the test split at {threshold.toFixed(2)}
          </button>
        </p>
      )}
      {inspection?.phase === 'loading' && (
        <p className="muted" role="status">
          Predicting {inspection.name}...
        </p>
      )}
      {inspection?.phase === 'failed' && (
        <p className="error" role="alert">
          {inspection.error}
        </p>
      )}
      <div className="test-table-wrap">
        <table className="test-table">
          <caption className="muted">Per-image metrics at threshold {test.threshold.toFixed(2)}, mean over images on top.</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" aria-sort={sort.key === c.key ? sort.direction : 'none'}>
                  <button type="button" onClick={() => onSort(c.key)}>
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {sort.key === c.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr className="test-mean" data-testid="test-mean" data-dice={test.mean.dice}>
              <th scope="row">Mean</th>
              {METRIC_COLUMNS.map((c) => (
                <td key={c.key}>{formatScore(test.mean[c.key])}</td>
              ))}
            </tr>
            {rows.map((row) => (
              <tr key={row.name} data-testid="test-row">
                <th scope="row">
                  <button type="button" className="link" onClick={() => inspectTestImage(row.name)} aria-label={`Open the overlay of ${row.name}`}>
                    {row.name}
                  </button>
                </th>
                {METRIC_COLUMNS.map((c) => (
                  <td key={c.key}>{formatScore(row[c.key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <TestImageDialog />
    </section>
  );
}
