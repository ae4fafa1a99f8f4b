/**
 * The live charts' drawing: one SVG of a few paths, ticks and markers. recharts re-registered its
 * axes, tooltip and line in a store on each data change and re-rendered in a cascade of synchronous
 * passes (30-100 ms a redraw while training on 2 cores); this draws a redraw in one small render.
 */
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { extent, linePath, linearScale, logScale, nearestIndex, type Scale } from './svgScale';

export interface SeriesDef<T> {
  name: string;
  colour: string;
  value: (point: T) => number;
  dash?: string;
  stepAfter?: boolean;
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
  onZoom?: (range: [number, number]) => void;
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

function SvgChartImpl<T>({ data, x, series, markers, xDomain, yDomain, log = false, yTick, value, xLabel, onZoom }: SvgChartProps<T>) {
  const { ref, width } = useWidth();
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

  // The data point under the pointer (its x), for the tooltip and the drag-to-zoom band.
  const pointAt = (event: React.MouseEvent<SVGSVGElement>): number | null => {
    if (xs.length === 0) return null;
    const box = event.currentTarget.getBoundingClientRect();
    const at = xScale.domain[0] + ((event.clientX - box.left - PAD.left) / plotW) * (xScale.domain[1] - xScale.domain[0]);
    return nearestIndex(xs, at);
  };
  const hovered = hover !== null && hover < data.length ? hover : null;
  const band = drag && drag[0] !== drag[1] ? [Math.min(...drag), Math.max(...drag)] : null;
  const inPlot = (v: number) => v >= xScale.domain[0] && v <= xScale.domain[1];

  return (
    <div ref={ref} className="chart-box">
      {width > 0 && (
        <svg
          className="chart-surface"
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={`${series.map((s) => s.name).join(', ')} over ${data.length} points`}
          onMouseMove={(e) => {
            const i = pointAt(e);
            setHover(i);
            if (drag && i !== null) setDrag([drag[0], xs[i]]);
          }}
          onMouseLeave={() => setHover(null)}
          onMouseDown={(e) => {
            const i = pointAt(e);
            if (onZoom && i !== null) setDrag([xs[i], xs[i]]);
          }}
          onMouseUp={() => {
            if (band && onZoom) onZoom([band[0], band[1]]);
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
            {paths.map((d, i) => (
              <path
                key={series[i].name}
                className="chart-line"
                d={d}
                fill="none"
                stroke={series[i].colour}
                strokeWidth={1.5}
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
          {band && <rect x={px(band[0])} y={PAD.top} width={px(band[1]) - px(band[0])} height={plotH} fill="#0284c7" fillOpacity={0.12} />}
          {hovered !== null && <line x1={px(xs[hovered])} x2={px(xs[hovered])} y1={PAD.top} y2={PAD.top + plotH} stroke="#94a3b8" />}
        </svg>
      )}
      {hovered !== null && (
        <div className="chart-tooltip" style={{ left: Math.min(px(xs[hovered]) + 8, Math.max(0, width - 140)) }}>
          <div>{xLabel(xs[hovered])}</div>
          {series.map((s) => (
            <div key={s.name} style={{ color: s.colour }}>
              {s.name} : {value(s.value(data[hovered]))}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** Memoised: a chart redraws only when its data, markers or options change. */
export const SvgChart = memo(SvgChartImpl) as typeof SvgChartImpl;
