import { useMemo } from 'react';
import type { StepReport } from '../ml/train/config';
import { thinMinMax } from './chartData';
import { SvgChart, type SeriesDef } from './SvgChart';

const LOSS: ReadonlyArray<SeriesDef<StepReport>> = [{ name: 'loss', colour: '#0284c7', value: (p) => p.loss }];
const NO_MARKERS: never[] = [];
const stepOf = (p: StepReport) => p.step;
const fixed3 = (v: number) => v.toFixed(3);
const fixed4 = (v: number) => v.toFixed(4);
const stepLabel = (s: number) => `step ${s}`;

/** The quick check's step loss: thinned and drawn like the live charts, so a long check stays cheap to redraw. */
export function LossChart({ points }: { points: StepReport[] }) {
  const data = useMemo(() => thinMinMax(points, LOSS[0].value), [points]);
  return (
    <div className="chart">
      <SvgChart data={data} x={stepOf} series={LOSS} markers={NO_MARKERS} yTick={fixed3} value={fixed4} xLabel={stepLabel} />
    </div>
  );
}
