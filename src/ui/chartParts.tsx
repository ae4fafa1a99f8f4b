/** Pieces the studio's live charts share: the card, an HTML key, and the vertical markers. */
import type { ConfigChange, EpochRecord } from '../ml/train/config';
import type { Rollback } from '../store/steps';
import type { Marker } from './SvgChart';

export function describeChange(change: ConfigChange): string {
  const show = (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : JSON.stringify(v));
  return `step ${change.step}: ${change.field} ${show(change.from)} → ${show(change.to)}`;
}

export function describeRollback(rollback: Rollback): string {
  return `NaN loss: steps ${rollback.step + 1}–${rollback.from} undone, back to the checkpoint at step ${rollback.step}`;
}

/**
 * The live changes a step ran under that were made most recently: those at the latest change step at
 * or before `step` (several fields can change at once). Empty before the first change.
 */
export function changesBefore(changes: readonly ConfigChange[], step: number): ConfigChange[] {
  let latest = -Infinity;
  for (const c of changes) if (c.step <= step && c.step > latest) latest = c.step;
  return changes.filter((c) => c.step === latest);
}

/** Where a hyperparameter changed, labelled, with a tooltip saying what changed. */
export function changeMarkers(changes: readonly ConfigChange[], axis: 'step' | 'epoch'): Marker[] {
  return changes.map((c) => ({
    x: axis === 'step' ? c.step : c.epoch + 1,
    short: c.field === 'learningRate' ? 'lr' : c.field,
    full: describeChange(c),
    colour: '#b45309',
    dash: '4 3',
  }));
}

/** Where the run went to PyTorch: a "cluster" marker before each stretch of epochs trained there (origin 'torch'). */
export function originMarkers(history: readonly EpochRecord[]): Marker[] {
  const markers: Marker[] = [];
  history.forEach((e, i) => {
    if (e.origin !== 'torch' || history[i - 1]?.origin === 'torch') return;
    let last = i;
    while (history[last + 1]?.origin === 'torch') last++;
    const [from, to] = [e.epoch, history[last]!.epoch];
    markers.push({
      x: i > 0 ? from - 0.5 : from,
      short: 'cluster',
      full: `${from === to ? `epoch ${from}` : `epochs ${from}–${to}`} trained on PyTorch (the cluster); the others in the studio`,
      colour: '#6d28d9',
      dash: '6 2',
    });
  });
  return markers;
}

/** Where a NaN sent the run back to a checkpoint: the line continues from there. */
export function rollbackMarkers(rollbacks: readonly Rollback[]): Marker[] {
  return rollbacks.map((r) => ({ x: r.step, short: 'NaN', full: describeRollback(r), colour: '#b91c1c', dash: '2 2' }));
}

function Key({ items }: { items: Array<[string, string]> }) {
  return (
    <span className="chart-key">
      {items.map(([name, colour]) => (
        <span key={name}>
          <i style={{ background: colour }} aria-hidden="true" /> {name}
        </span>
      ))}
    </span>
  );
}

export function Chart({
  title,
  testId,
  keys,
  controls,
  empty,
  children,
}: {
  title: string;
  testId: string;
  keys?: Array<[string, string]>;
  /** The chart's own view controls (the step loss's smoothing), beside the title. */
  controls?: React.ReactNode;
  /** What the chart says while it has nothing to draw; null once it draws. */
  empty: string | null;
  children: React.ReactNode;
}) {
  return (
    <figure className="chart-card" data-testid={testId}>
      <figcaption>
        {title} {keys && <Key items={keys} />} {controls}
      </figcaption>
      {children}
      {empty && <div className="chart-empty">{empty}</div>}
    </figure>
  );
}
