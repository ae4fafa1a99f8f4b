/**
 * The live charts' drawing: one SVG of a few paths, ticks and markers. recharts re-registered its
 * axes, tooltip and line in a store on each data change and re-rendered in a cascade of synchronous
 * passes (30-100 ms a redraw while training on 2 cores); this draws a redraw in one small render.
 */
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Bucket } from './chartData';
import { zoomForKey } from './chartZoom';
import { bandPath, extent, linePath, linearScale, logScale, nearestIndex, type Scale } from './svgScale';
import './charts.css';

export interface SeriesDef<T> {
  name: string;
  colour: string;
  value: (point: T) => number;
  dash?: string;
  stepAfter?: boolean;
  /** Drawn thin and pale behind the others (the raw series behind its smoothed line); class chart-raw, not chart-line. */
  faint?: boolean;
}

export interface Marker {
  x: number;
  short: string;
  /** The hover text saying what happened. */
  full: string;
  colour: string;
  dash: string;
}

export interface SvgChartProps<T> {
  data: readonly T[];
  x: (point: T) => number;
  series: ReadonlyArray<SeriesDef<T>>;
  markers: readonly Marker[];
  xDomain?: [number, number] | null;
  yDomain?: [number, number];
  log?: boolean;
  yTick: (v: number) => string;
  value: (v: number) => string;
  xLabel: (x: number) => string;
  /** Drag across the chart, or focus it and press + - arrows 0 Escape, to zoom its x range; null shows all. */
  onZoom?: (range: [number, number] | null) => void;
  /** The x range of all the data (the zoomed data is less), which keyboard zoom and pan stay inside. */
  xBounds?: [number, number];
  /** The raw extremes of what thinning drew as fewer points, filled faint behind the lines. */
  band?: { colour: string; buckets: readonly Bucket[] };
  /** An extra read-out line for a hovered x (the live change in force there), or null. */
  note?: (x: number) => string | null;
}

const HEIGHT = 200;
const PAD = { top: 8, right: 12, bottom: 22, left: 52 };

/** The width the chart has, measured (and followed) in the page. */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

function SvgChartImpl<T>({ data, x, series, markers, xDomain, yDomain, log = false, yTick, value, xLabel, onZoom, xBounds, band, note }: SvgChartProps<T>) {
  const { ref, width } = useWidth();
  // The hovered x, not an index: the read-out stays on its step while the data grows or the view zooms.
  const [hover, setHover] = useState<number | null>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const xs = useMemo(() => data.map(x), [data, x]);
  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;

  const scales = useMemo(() => {
    const xExtent = xDomain ?? extent(xs) ?? [0, 1];
    const xScale = linearScale(xExtent, false, 5, true);
    const yExtent =
      yDomain ??
      extent(
        series.flatMap((s) => data.map(s.value)),
        log,
      ) ??
      (log ? [0.1, 1] : [0, 1]);
    const yScale: Scale = log ? logScale(yExtent) : linearScale(yExtent, !yDomain);
    return { xScale, yScale };
  }, [xs, data, series, xDomain, yDomain, log]);
  const { xScale, yScale } = scales;
  const px = (v: number) => PAD.left + xScale.at(v, plotW);
  const py = (v: number) => PAD.top + plotH - yScale.at(v, plotH);

  const paths = useMemo(
    () =>
      series.map((s) =>
        linePath(
          data.map((p, i): [number, number] => [px(xs[i]), log && s.value(p) <= 0 ? NaN : py(s.value(p))]),
          s.stepAfter,
        ),
      ),
    // px and py follow from the scales and the width, which are the dependencies.
    [series, data, xs, scales, plotW, log],
  );
  const bandD = useMemo(
    () => band && bandPath(band.buckets.map((b) => [px(b.from), px(b.to), log && b.lo <= 0 ? NaN : py(b.lo), log && b.hi <= 0 ? NaN : py(b.hi)])),
    // As for the paths.
    [band, scales, plotW, log],
  );

  // The data point under the pointer (its x), for the tooltip and the drag-to-zoom span.
  const pointAt = (event: React.MouseEvent<SVGSVGElement>): number | null => {
    if (xs.length === 0) return null;
    const box = event.currentTarget.getBoundingClientRect();
    const at = xScale.domain[0] + ((event.clientX - box.left - PAD.left) / plotW) * (xScale.domain[1] - xScale.domain[0]);
    return nearestIndex(xs, at);
  };
  const inPlot = (v: number) => v >= xScale.domain[0] && v <= xScale.domain[1];
  // A hovered step panned out of view has no read-out (it would jump to the edge point).
  const hovered = hover !== null && xs.length > 0 && inPlot(hover) ? nearestIndex(xs, hover) : null;
  const dragged = drag && drag[0] !== drag[1] ? [Math.min(...drag), Math.max(...drag)] : null;
  const [xFrom, xTo] = xScale.domain;
  const names = `${series.map((s) => s.name).join(', ')} over ${data.length} points, ${xLabel(xFrom)} to ${xLabel(xTo)}`;

  const onKeyDown = (event: React.KeyboardEvent<SVGSVGElement>) => {
    const bounds = xBounds ?? extent(xs);
    if (!onZoom || !bounds) return;
    const zoom = zoomForKey(event.key, [xFrom, xTo], bounds, hovered === null ? undefined : xs[hovered]);
    if (!zoom) return;
    event.preventDefault();
    onZoom(zoom.range);
  };

  return (
    <div ref={ref} className="chart-box">
      {width > 0 && (
        <svg
          className="chart-surface"
          // What the chart shows up to: charts redraw once a second, so it can trail the run by that much.
          data-last-x={xs.length ? xs[xs.length - 1] : undefined}
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={onZoom ? `${names}. Plus and minus zoom, arrows pan, 0 or Escape shows all.` : names}
          tabIndex={onZoom ? 0 : undefined}
          aria-keyshortcuts={onZoom ? '+ - ArrowLeft ArrowRight 0 Escape' : undefined}
          data-x-from={xFrom}
          data-x-to={xTo}
          onKeyDown={onKeyDown}
          onMouseMove={(e) => {
            const i = pointAt(e);
            setHover(i === null ? null : xs[i]);
            if (drag && i !== null) setDrag([drag[0], xs[i]]);
          }}
          onMouseLeave={() => setHover(null)}
          onMouseDown={(e) => {
            const i = pointAt(e);
            if (onZoom && i !== null) setDrag([xs[i], xs[i]]);
          }}
          onMouseUp={() => {
            if (dragged && onZoom) onZoom([dragged[0], dragged[1]]);
            setDrag(null);
          }}
        >
          <clipPath id={`clip-${width}`}>
            <rect x={PAD.left} y={PAD.top} width={plotW} height={plotH} />
          </clipPath>
          <g className="chart-grid" stroke="#e2e8f0">
            {yScale.ticks.map((t) => (
              <line key={t} x1={PAD.left} x2={PAD.left + plotW} y1={py(t)} y2={py(t)} />
            ))}
            {xScale.ticks.map((t) => (
              <line key={t} x1={px(t)} x2={px(t)} y1={PAD.top} y2={PAD.top + plotH} />
            ))}
          </g>
          <g className="chart-y-ticks" fontSize={11} fill="#64748b" textAnchor="end">
            {yScale.ticks.map((t) => (
              <text key={t} className="chart-y-tick" x={PAD.left - 4} y={py(t) + 4}>
                {yTick(t)}
              </text>
            ))}
          </g>
          <g fontSize={11} fill="#64748b" textAnchor="middle">
            {xScale.ticks.map((t) => (
              <text key={t} x={px(t)} y={HEIGHT - 6}>
                {t}
              </text>
            ))}
          </g>
          <g clipPath={`url(#clip-${width})`}>
            {band && bandD && <path className="chart-band" d={bandD} fill={band.colour} fillOpacity={0.14} stroke="none" />}
            {paths.map((d, i) => (
              <path
                key={series[i].name}
                className={series[i].faint ? 'chart-raw' : 'chart-line'}
                d={d}
                fill="none"
                stroke={series[i].colour}
                strokeOpacity={series[i].faint ? 0.35 : 1}
                strokeWidth={series[i].faint ? 1 : 1.5}
                strokeDasharray={series[i].dash}
              />
            ))}
          </g>
          {markers
            .filter((m) => inPlot(m.x))
            .map((m, i) => (
              <g key={`${m.x}-${i}`} className="chart-marker marker-label">
                <title>{m.full}</title>
                <line x1={px(m.x)} x2={px(m.x)} y1={PAD.top} y2={PAD.top + plotH} stroke={m.colour} strokeDasharray={m.dash} />
                <rect x={px(m.x) - 6} y={PAD.top} width={12} height={plotH} fill="transparent" />
                <text x={px(m.x) + 4} y={PAD.top + 12} fill={m.colour} fontSize={11}>
                  {m.short}
                </text>
              </g>
            ))}
          {dragged && <rect x={px(dragged[0])} y={PAD.top} width={px(dragged[1]) - px(dragged[0])} height={plotH} fill="#0284c7" fillOpacity={0.12} />}
          {hovered !== null && <line x1={px(xs[hovered])} x2={px(xs[hovered])} y1={PAD.top} y2={PAD.top + plotH} stroke="#94a3b8" />}
        </svg>
      )}
      {hovered !== null && <ReadOut x={xs[hovered]} point={data[hovered]} at={px(xs[hovered])} width={width} {...{ series, value, xLabel, note }} />}
    </div>
  );
}

/** The hover read-out: the x, each series' value there, and the note (the live change in force). */
function ReadOut<T>({
  x,
  point,
  at,
  width,
  series,
  value,
  xLabel,
  note,
}: { x: number; point: T; at: number; width: number } & Pick<SvgChartProps<T>, 'series' | 'value' | 'xLabel' | 'note'>) {
  const noted = note?.(x);
  // On the side of the cursor with more room, so a long note never sticks out of the chart.
  const side = at < width / 2 ? { left: at + 8 } : { right: width - at + 8 };
  return (
    <div className="chart-tooltip" style={side}>
      <div>{xLabel(x)}</div>
      {series.map((s) => (
        <div key={s.name} style={{ color: s.colour }}>
          {s.name} : {value(s.value(point))}
        </div>
      ))}
      {noted && <div className="chart-note">{noted}</div>}
    </div>
  );
}

/** Memoised: a chart redraws only when its data, markers or options change. */
export const SvgChart = memo(SvgChartImpl) as typeof SvgChartImpl;
