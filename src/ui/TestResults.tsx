/**
 * Per-image metrics over the test split after a run: sortable, worst Dice first, the mean on top.
 * The worker computes them (at the run's threshold) and sends figures only, no pixels.
 */
import { useDeferredValue, useMemo, useState } from 'react';
import { useStudio } from '../store/studio';
import { cardId, formatScore, sortRows, type SortDirection, type SortKey } from './overlayMath';
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

/** Scrolls to a tracked image's overlay card and moves focus there, so keyboard users land on it. */
function showOverlay(name: string): void {
  const card = document.getElementById(cardId(name));
  if (!card) return;
  card.scrollIntoView({ behavior: 'smooth', block: 'center' });
  card.focus({ preventScroll: true });
}

export function TestResults() {
  const test = useDeferredValue(useStudio((s) => s.training.test));
  const sources = useStudio((s) => s.training.sources);
  const [sort, setSort] = useState<{ key: SortKey; direction: SortDirection }>({ key: 'dice', direction: 'ascending' });
  const rows = useMemo(() => (test ? sortRows(test.perImage, sort.key, sort.direction) : []), [test, sort]);
  const tracked = useMemo(() => new Set(sources.map((s) => s.name)), [sources]);

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
        {test.perImage.length} test images, loss {Number.isFinite(test.loss) ? test.loss.toFixed(4) : '—'}. Click a column to sort it; the
        test split holds cars never seen in training or validation.
      </p>
      <div className="test-table-wrap">
        <table className="test-table">
          <caption className="muted">Per-image metrics at the run's threshold, mean over images on top.</caption>
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
            <tr className="test-mean" data-testid="test-mean">
              <th scope="row">Mean</th>
              {METRIC_COLUMNS.map((c) => (
                <td key={c.key}>{formatScore(test.mean[c.key])}</td>
              ))}
            </tr>
            {rows.map((row) => (
              <tr key={row.name} data-testid="test-row">
                <th scope="row">
                  {/* Test and validation images come from different cars (the split is by car), so a
                      test image is normally not among the tracked overlays and its row stays plain text:
                      the page holds no pixels of test images to draw. */}
                  {tracked.has(row.name) ? (
                    <button type="button" className="link" onClick={() => showOverlay(row.name)} title="Show its overlay">
                      {row.name}
                    </button>
                  ) : (
                    row.name
                  )}
                </th>
                {METRIC_COLUMNS.map((c) => (
                  <td key={c.key}>{formatScore(row[c.key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
