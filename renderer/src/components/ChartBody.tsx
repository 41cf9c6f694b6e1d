import { memo, useRef, useState } from 'react';
import { CartesianGrid, DefaultTooltipContent, Legend, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatValue } from './format';
import { axisTick, timeBounds, timeLabels, type Row, type SeriesDef, type TimeSpan } from './SeriesChart';
import { timeTicks } from './time-ticks';
import { valueBounds, valueTicks } from './value-ticks';
import { useWidth } from './useWidth';

// SeriesChart's drawing, in a chunk of its own with recharts (loaded through `deferred`).

const MARGIN = { top: 8, right: 16, bottom: 0, left: 0 };
const Y_AXIS_WIDTH = 56;
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)' };
/** Tooltip values in the text colour: the series colours are 3:1 lines, under 4.5:1 as text (the legend's swatch says which is which). */
const TOOLTIP_ITEM_STYLE = { color: 'var(--text)' };

export interface BodyProps {
  data: Row[];
  /** The time axis' span; null: the data's first to last time. */
  span: TimeSpan | null;
  series: SeriesDef[];
  height: number;
  /** The accessible name of the focusable chart, and the ids of what describes it. */
  label: string;
  describedBy: string;
  /** The keyboard's point (an index into data), if it shows; the mouse moving over the plot hides it. */
  point: number | null;
  onPointer: () => void;
  /** The value axis starts at 0 (counts, rates), or fits the data (a temperature of 21.4..21.9). */
  fromZero: boolean;
}

const seriesKey = (series: SeriesDef[]) => series.map((s) => `${s.key}/${s.color}/${s.label}/${s.faint ? 1 : 0}/${s.gaps ? 1 : 0}`).join('|');

/**
 * The keyboard's tooltip, looking like recharts' own: beside its point, on the roomier side (`across`
 * is where the point is, 0 at the oldest, 1 at the newest). Always there, empty when no point shows,
 * so that a screen reader hears each point the keys go to.
 */
function KeyTooltip({ label, values, across }: { label: string | undefined; values: { s: SeriesDef; v: number }[]; across: number }) {
  const inset = Y_AXIS_WIDTH + MARGIN.left;
  const beside = across > 0.5 ? 'translateX(calc(-100% - 10px))' : 'translateX(10px)';
  return (
    <div role="status" aria-live="assertive" style={{ position: 'absolute', top: MARGIN.top, left: `calc(${inset}px + ${across} * (100% - ${inset + MARGIN.right}px))`, transform: beside, pointerEvents: 'none' }}>
      {label !== undefined && <DefaultTooltipContent label={label} payload={values.map(({ s, v }) => ({ name: s.label, value: v, color: s.color, dataKey: s.key, graphicalItemId: s.key }))} itemSorter="name" formatter={formatValue} contentStyle={TOOLTIP_STYLE} itemStyle={TOOLTIP_ITEM_STYLE} />}
    </div>
  );
}

/** The recharts tree; redrawn only when its (throttled) data, its series or the keyboard's point change. */
export const ChartBody = memo(
  function ChartBody({ data, span: axis, series, height, label, describedBy, point, onPointer, fromZero }: BodyProps) {
    const bounds = axis ?? timeBounds(data);
    const span = bounds ? bounds.to - bounds.from : 0;
    const { tick, full } = timeLabels(span);
    const row = point === null ? undefined : data[point];
    const ts = typeof row?.ts === 'number' ? row.ts : undefined;
    const values = ts === undefined ? [] : series.flatMap((s) => (typeof row?.[s.key] === 'number' ? [{ s, v: row[s.key] as number }] : []));
    // ticks on round times that fit the plot's width (recharts' own fall on odd seconds: 03:37:49)
    const box = useRef<HTMLDivElement>(null);
    const plotWidth = useWidth(box) - Y_AXIS_WIDTH - MARGIN.left - MARGIN.right;
    const ticks = bounds ? timeTicks(bounds.from, bounds.to, plotWidth) : undefined;
    // value ticks on round numbers, their ends the axis' domain
    const { min, max } = valueBounds(data, series.map((s) => s.key));
    const yTicks = valueTicks(min, max, fromZero);
    // the series whose legend entry the mouse is on: drawn over the others, which fade (lines that
    // overlap, like two devices at the same rate, hide one another otherwise)
    const [hover, setHover] = useState<string | null>(null);
    return (
      <div style={{ position: 'relative' }} ref={box}>
        <ResponsiveContainer width="100%" height={height}>
          {/* a Tab stop (role application) named and described here, ringed in styles.css; recharts'
              own accessibilityLayer is off because the keys are ours (SeriesChart) */}
          <LineChart data={data} margin={MARGIN} accessibilityLayer={false} tabIndex={0} role="application" aria-label={label} aria-describedby={describedBy} onMouseMove={onPointer}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis dataKey="ts" type="number" domain={axis ? [axis.from, axis.to] : ['dataMin', 'dataMax']} allowDataOverflow={axis !== null} ticks={ticks} tickFormatter={tick} stroke="var(--muted)" fontSize={11} />
            <YAxis stroke="var(--muted)" fontSize={11} width={Y_AXIS_WIDTH} domain={yTicks.length > 1 ? [yTicks[0]!, yTicks.at(-1)!] : fromZero ? [0, 'auto'] : ['auto', 'auto']} ticks={yTicks.length > 1 ? yTicks : undefined} interval={0} tickFormatter={axisTick} />
            <Tooltip labelFormatter={(v) => full(Number(v))} formatter={formatValue} contentStyle={TOOLTIP_STYLE} itemStyle={TOOLTIP_ITEM_STYLE} isAnimationActive={false} />
            {/* labels in the text colour (the swatch keeps the series colour): light series colours are unreadable as text */}
            {/* in the order the series are given (recharts sorts by label: "max, min, temp average") */}
            <Legend
              formatter={(value: string) => <span style={{ color: 'var(--text)' }}>{value}</span>}
              itemSorter={(item) => series.findIndex((s) => s.key === item.dataKey)}
              onMouseEnter={(item) => setHover(series.length > 1 && typeof item.dataKey === 'string' ? item.dataKey : null)}
              onMouseLeave={() => setHover(null)}
            />
            {/* a lone point makes no line: it gets a dot, or the chart would look empty */}
            {series.map((s) => (
              <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={data.length === 1 ? { r: 3 } : false} isAnimationActive={false} connectNulls={!s.gaps} strokeWidth={hover === s.key ? 3 : s.faint ? 1 : 1.5} strokeDasharray={s.faint ? '4 3' : undefined} strokeOpacity={hover !== null && hover !== s.key ? 0.2 : s.faint ? 0.7 : 1} zIndex={hover === s.key ? 401 : undefined} />
            ))}
            {/* the keyboard's point drawn as the mouse's is: a cursor line and a dot on each series */}
            {ts !== undefined && <ReferenceLine x={ts} stroke="var(--muted)" />}
            {ts !== undefined && values.map(({ s, v }) => <ReferenceDot key={s.key} x={ts} y={v} r={4} fill={s.color} stroke="var(--panel)" strokeWidth={2} />)}
          </LineChart>
        </ResponsiveContainer>
        <KeyTooltip label={ts === undefined ? undefined : full(ts)} values={values} across={ts === undefined || !bounds || span === 0 ? 0 : (ts - bounds.from) / span} />
      </div>
    );
  },
  (a, b) => a.data === b.data && a.span?.from === b.span?.from && a.span?.to === b.span?.to && a.height === b.height && a.label === b.label && a.describedBy === b.describedBy && a.point === b.point && a.fromZero === b.fromZero && seriesKey(a.series) === seriesKey(b.series),
);
