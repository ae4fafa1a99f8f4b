/** Pieces the studio's charts share: the card, an HTML key, and the vertical markers with their tooltips. */
import { ReferenceLine, ResponsiveContainer } from 'recharts';
import type { ConfigChange } from '../ml/train/config';
import type { Rollback } from '../store/steps';

/** One object for every chart: a new margin on each render would make recharts lay the chart out again. */
export const MARGIN = { top: 8, right: 12, bottom: 4, left: 0 };

export function describeChange(change: ConfigChange): string {
  const show = (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : JSON.stringify(v));
  return `step ${change.step}: ${change.field} ${show(change.from)} → ${show(change.to)}`;
}

export function describeRollback(rollback: Rollback): string {
  return `NaN loss: steps ${rollback.step + 1}–${rollback.from} undone, back to the checkpoint at step ${rollback.step}`;
}

/** A marker's label; its SVG <title> is the hover tooltip saying what happened. */
function MarkerLabel({ viewBox, short, full, colour }: { viewBox?: { x: number; y: number }; short: string; full: string; colour: string }) {
  if (!viewBox) return null;
  return (
    <g className="marker-label">
      <title>{full}</title>
      <rect x={viewBox.x - 6} y={viewBox.y} width={12} height={170} fill="transparent" />
      <text x={viewBox.x + 4} y={viewBox.y + 12} fill={colour} fontSize={11}>
        {short}
      </text>
    </g>
  );
}

/** Vertical markers where a hyperparameter changed, labelled, with a tooltip saying what changed. */
export function changeMarkers(changes: readonly ConfigChange[], axis: 'step' | 'epoch') {
  return changes.map((c, i) => (
    <ReferenceLine
      key={`change-${c.step}-${c.field}-${i}`}
      x={axis === 'step' ? c.step : c.epoch + 1}
      stroke="#b45309"
      strokeDasharray="4 3"
      label={<MarkerLabel short={c.field === 'learningRate' ? 'lr' : c.field} full={describeChange(c)} colour="#92400e" />}
      ifOverflow="extendDomain"
    />
  ));
}

/** Where a NaN sent the run back to a checkpoint: the line continues from there. */
export function rollbackMarkers(rollbacks: readonly Rollback[]) {
  return rollbacks.map((r, i) => (
    <ReferenceLine
      key={`rollback-${r.step}-${i}`}
      x={r.step}
      stroke="#b91c1c"
      strokeDasharray="2 2"
      label={<MarkerLabel short="NaN" full={describeRollback(r)} colour="#b91c1c" />}
      ifOverflow="extendDomain"
      className="rollback-marker"
    />
  ));
}

/** An HTML legend: recharts' own measures itself after each render and renders the chart twice. */
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

export function Chart({ title, testId, keys, empty, children }: { title: string; testId: string; keys?: Array<[string, string]>; empty: boolean; children: React.ReactElement }) {
  return (
    <figure className="chart-card" data-testid={testId}>
      <figcaption>
        {title} {keys && <Key items={keys} />}
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        {children}
      </ResponsiveContainer>
      {empty && <div className="chart-empty">waiting for the first {title.includes('epoch') || title.includes('Validation') ? 'epoch' : 'steps'}...</div>}
    </figure>
  );
}
