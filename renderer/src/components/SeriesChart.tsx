import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface SeriesDef {
  key: string;
  label: string;
  color: string;
}

const timeTick = (ts: number) => {
  const d = new Date(ts);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
};

/** Several series on one time axis; no animation, no dots: cheap to redraw at a bounded rate. */
export const SeriesChart = memo(function SeriesChart({ data, series, height = 220, title, testId }: { data: Record<string, number | null>[]; series: SeriesDef[]; height?: number; title: string; testId?: string }) {
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} tickFormatter={timeTick} stroke="var(--muted)" fontSize={11} />
          <YAxis stroke="var(--muted)" fontSize={11} width={56} />
          <Tooltip labelFormatter={(v) => timeTick(Number(v))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} isAnimationActive={false} />
          <Legend />
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={false} isAnimationActive={false} connectNulls strokeWidth={1.5} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

export const PALETTE = ['#2f80ed', '#eb5757', '#27ae60', '#f2994a', '#9b51e0', '#56ccf2', '#bb6bd9', '#6fcf97', '#f2c94c', '#828282'];
