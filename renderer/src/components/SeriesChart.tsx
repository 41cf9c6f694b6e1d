import { memo, useEffect, useId, useState, type FocusEvent } from 'react';
import { useThrottled } from './useThrottled';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface SeriesDef {
  key: string;
  label: string;
  color: string;
  /** Drawn thin and dashed: a companion line (e.g. min and max around an average). */
  faint?: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const day = (d: Date) => d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
const HOUR_MS = 3_600_000;
const LIVE_SPAN_MS = 10 * 60_000;

/**
 * Time labels that fit the span shown: seconds for a live window, minutes within a day or so, the
 * date for longer (a 30-day chart labelled 14:00:00 would not say which day).
 */
export function timeLabels(spanMs: number): { tick: (ts: number) => string; full: (ts: number) => string } {
  if (spanMs <= LIVE_SPAN_MS) {
    const f = (ts: number) => {
      const d = new Date(ts);
      return `${clock(d)}:${pad(d.getSeconds())}`;
    };
    return { tick: f, full: f };
  }
  if (spanMs <= 36 * HOUR_MS) return { tick: (ts) => clock(new Date(ts)), full: (ts) => `${day(new Date(ts))} ${clock(new Date(ts))}` };
  return { tick: (ts) => day(new Date(ts)), full: (ts) => `${day(new Date(ts))} ${clock(new Date(ts))}` };
}

const spanOf = (times: number[]) => (times.length > 0 ? Math.max(...times) - Math.min(...times) : 0);

type Row = Record<string, number | null>;

const num = (v: number) => String(Number(v.toPrecision(3)));

/**
 * The chart in words, for screen readers (the chart's description): per series the latest value
 * and the range, over which time span.
 */
export function chartSummary(data: Row[], series: SeriesDef[]): string {
  const times = data.map((r) => r.ts).filter((t): t is number => typeof t === 'number');
  if (times.length === 0) return 'No data yet.';
  const parts = series.map((s) => {
    const values = data.map((r) => r[s.key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) return `${s.label}: no values`;
    return `${s.label}: now ${num(values.at(-1)!)}, lowest ${num(Math.min(...values))}, highest ${num(Math.max(...values))}`;
  });
  const { full } = timeLabels(spanOf(times));
  return `From ${full(Math.min(...times))} to ${full(Math.max(...times))}. ${parts.join('; ')}.`;
}
/** Read with the focused chart: how to move its tooltip (recharts' accessibility layer). */
export const CHART_KEYS_HINT = 'Left and right arrow keys move between points; the tooltip reads the values. The chart holds still while it has focus.';

interface BodyProps {
  data: Row[];
  series: SeriesDef[];
  height: number;
  /** The accessible name of the focusable chart, and the ids of what describes it. */
  label: string;
  describedBy: string;
}

const seriesKey = (series: SeriesDef[]) => series.map((s) => `${s.key}/${s.color}/${s.label}/${s.faint ? 1 : 0}`).join('|');

/** The recharts tree; redrawn only when its (throttled) data or its series change. */
const ChartBody = memo(
  function ChartBody({ data, series, height, label, describedBy }: BodyProps) {
    const times = data.map((r) => r.ts).filter((t): t is number => typeof t === 'number');
    const { tick, full } = timeLabels(spanOf(times));
    return (
      <ResponsiveContainer width="100%" height={height}>
        {/* accessibilityLayer: the chart is a Tab stop (role application) and Left/Right move the
            tooltip, which then is a live region; named and described here, ringed in styles.css */}
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer aria-label={label} aria-describedby={describedBy}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} tickFormatter={tick} stroke="var(--muted)" fontSize={11} />
          <YAxis stroke="var(--muted)" fontSize={11} width={56} />
          <Tooltip labelFormatter={(v) => full(Number(v))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} isAnimationActive={false} />
          {/* labels in the text colour (the swatch keeps the series colour): light series colours are unreadable as text */}
          {/* in the order the series are given (recharts sorts by label: "max, min, temp average") */}
          <Legend formatter={(value: string) => <span style={{ color: 'var(--text)' }}>{value}</span>} itemSorter={(item) => series.findIndex((s) => s.key === item.dataKey)} />
          {/* a lone point makes no line: it gets a dot, or the chart would look empty */}
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={data.length === 1 ? { r: 3 } : false} isAnimationActive={false} connectNulls strokeWidth={s.faint ? 1 : 1.5} strokeDasharray={s.faint ? '4 3' : undefined} strokeOpacity={s.faint ? 0.7 : 1} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    );
  },
  (a, b) => a.data === b.data && a.height === b.height && a.label === b.label && a.describedBy === b.describedBy && seriesKey(a.series) === seriesKey(b.series),
);

/**
 * Several series on one time axis; no animation, no dots. Redraws at most once per `throttleMs`,
 * each chart at its own `phaseMs`, so a page of charts never redraws in one long task.
 */
/** `note`: one short line under the title that says how to read the chart (also its description). */
export function SeriesChart({ data, series, height = 220, title, note, testId, throttleMs = 1000, phaseMs = 0 }: { data: Row[]; series: SeriesDef[]; height?: number; title: string; note?: string; testId?: string; throttleMs?: number; phaseMs?: number }) {
  const live = useThrottled(data, throttleMs, phaseMs);
  // Held while focus is inside: a live window slides every second, which would move the point
  // under the keyboard and make the tooltip (an assertive live region) speak again each time.
  const [held, setHeld] = useState<Row[] | null>(null);
  const shown = held ?? live;
  const hold = () => setHeld((h) => h ?? live);
  const release = (e: FocusEvent<HTMLElement>) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHeld(null);
  };
  // mount after the phase too: opening a page of charts is several short tasks, not one long one
  const [mounted, setMounted] = useState(phaseMs === 0);
  useEffect(() => {
    if (mounted) return;
    const t = setTimeout(() => setMounted(true), phaseMs);
    return () => clearTimeout(t);
  }, [mounted, phaseMs]);
  const summaryId = useId();
  const hintId = useId();
  const noteId = useId();
  return (
    <figure className="chart" data-testid={testId} onFocus={hold} onBlur={release}>
      <figcaption>{title}</figcaption>
      {note && (
        <p className="chart-note muted" id={noteId}>
          {note}
        </p>
      )}
      <p className="sr-only" id={summaryId} data-testid={testId ? `${testId}-summary` : undefined}>
        {chartSummary(shown, series)}
      </p>
      <p className="sr-only" id={hintId}>
        {CHART_KEYS_HINT}
      </p>
      {mounted ? <ChartBody data={shown} series={series} height={height} label={`${title} chart`} describedBy={`${note ? `${noteId} ` : ''}${summaryId} ${hintId}`} /> : <div style={{ height }} />}
    </figure>
  );
}

/**
 * Series colours, in order: CSS variables (styles.css, --series-1..10) so each theme has its own,
 * the light one darker (3:1 or better on the chart background), and a theme switch recolours
 * drawn charts, legends and swatches without a redraw.
 */
export const PALETTE = Array.from({ length: 10 }, (_, i) => `var(--series-${i + 1})`);
