import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { StepPoint } from '../store/events';

/** Step loss; animation off so a live series does not re-animate on every point. */
export function LossChart({ points }: { points: StepPoint[] }) {
  return (
    <div className="chart" role="img" aria-label={`Training loss over ${points.length} steps`}>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" />
          <XAxis dataKey="step" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
          <YAxis domain={['auto', 'auto']} width={56} tickFormatter={(v: number) => v.toFixed(3)} />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(s) => `step ${s}`} />
          <Line type="linear" dataKey="loss" stroke="#0284c7" dot={false} isAnimationActive={false} strokeWidth={2} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
