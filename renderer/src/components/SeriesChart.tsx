import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { formatValue } from './format';
import { timeTicks } from './time-ticks';
import { useThrottled } from './useThrottled';
import { useWidth } from './useWidth';
import { CartesianGrid, DefaultTooltipContent, Legend, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface SeriesDef {
  key: string;
  label: string;
  color: string;
  /** Drawn thin and dashed: a companion line (e.g. min and max around an average). */
  faint?: boolean;
  /**
   * A null breaks the line (a time with no data, e.g. the host was not running). Otherwise the line
   * joins the points around it: a reading that only some steps have, like a ping's RTT.
   */
  gaps?: boolean;
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

/** The rows' first and last time (null without any): one pass, for the axis, the summary and the tooltip. */
function timeBounds(data: Row[]): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const r of data) {
    if (typeof r.ts !== 'number') continue;
    if (r.ts < from) from = r.ts;
    if (r.ts > to) to = r.ts;
  }
  return from <= to ? { from, to } : null;
}

type Row = Record<string, number | null>;
/** A time axis' first and last time (ms). */
export type TimeSpan = { from: number; to: number };

const num = (v: number) => String(Number(v.toPrecision(3)));

const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 });

/**
 * A value-axis label that fits the axis: 181K, 1.25M from 10,000 up (ticks are round, so two
 * decimals keep neighbours apart); below that the tick as it is (21.36, 0.004).
 */
export function axisTick(v: number): string {
  return Math.abs(v) >= 10_000 ? COMPACT.format(v) : String(v);
}

/**
 * The chart in words, for screen readers (the chart's description): per series the latest value
 * and the range, over which time span.
 */
export function chartSummary(data: Row[], series: SeriesDef[]): string {
  const bounds = timeBounds(data);
  if (!bounds) return 'No data yet.';
  const parts = series.map((s) => {
    const values = data.map((r) => r[s.key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) return `${s.label}: no values`;
    return `${s.label}: now ${num(values.at(-1)!)}, lowest ${num(Math.min(...values))}, highest ${num(Math.max(...values))}`;
  });
  const { full } = timeLabels(bounds.to - bounds.from);
  return `From ${full(bounds.from)} to ${full(bounds.to)}. ${parts.join('; ')}.`;
}
/** Read with the focused chart: how to move its tooltip (keyPoint). */
export const CHART_KEYS_HINT =
  'The tooltip starts at the newest point and reads the values. Left and right arrow keys move between points, Page Down and Page Up a tenth of the points back or forward, Home and End to the oldest and newest. The chart holds still while it has focus.';

/**
 * Where a key moves the keyboard's point among `count` points (oldest first), from `at`; undefined
 * for keys that are not the chart's. Page Up goes forward, as on a slider.
 */
export function keyPoint(key: string, at: number, count: number): number | undefined {
  const page = Math.max(1, Math.round(count / 10));
  const to = ({ ArrowLeft: at - 1, ArrowRight: at + 1, PageDown: at - page, PageUp: at + page, Home: 0, End: count - 1 } as Partial<Record<string, number>>)[key];
  return to === undefined || count === 0 ? undefined : Math.min(count - 1, Math.max(0, to));
}

const MARGIN = { top: 8, right: 16, bottom: 0, left: 0 };
const Y_AXIS_WIDTH = 56;
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)' };

interface BodyProps {
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
      {label !== undefined && <DefaultTooltipContent label={label} payload={values.map(({ s, v }) => ({ name: s.label, value: v, color: s.color, dataKey: s.key, graphicalItemId: s.key }))} itemSorter="name" formatter={formatValue} contentStyle={TOOLTIP_STYLE} />}
    </div>
  );
}

/** The recharts tree; redrawn only when its (throttled) data, its series or the keyboard's point change. */
const ChartBody = memo(
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
    return (
      <div style={{ position: 'relative' }} ref={box}>
        <ResponsiveContainer width="100%" height={height}>
          {/* a Tab stop (role application) named and described here, ringed in styles.css; recharts'
              own accessibilityLayer is off because the keys are ours (SeriesChart) */}
          <LineChart data={data} margin={MARGIN} accessibilityLayer={false} tabIndex={0} role="application" aria-label={label} aria-describedby={describedBy} onMouseMove={onPointer}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis dataKey="ts" type="number" domain={axis ? [axis.from, axis.to] : ['dataMin', 'dataMax']} allowDataOverflow={axis !== null} ticks={ticks} tickFormatter={tick} stroke="var(--muted)" fontSize={11} />
            <YAxis stroke="var(--muted)" fontSize={11} width={Y_AXIS_WIDTH} domain={fromZero ? [0, 'auto'] : ['auto', 'auto']} tickFormatter={axisTick} />
            <Tooltip labelFormatter={(v) => full(Number(v))} formatter={formatValue} contentStyle={TOOLTIP_STYLE} isAnimationActive={false} />
            {/* labels in the text colour (the swatch keeps the series colour): light series colours are unreadable as text */}
            {/* in the order the series are given (recharts sorts by label: "max, min, temp average") */}
            <Legend formatter={(value: string) => <span style={{ color: 'var(--text)' }}>{value}</span>} itemSorter={(item) => series.findIndex((s) => s.key === item.dataKey)} />
            {/* a lone point makes no line: it gets a dot, or the chart would look empty */}
            {series.map((s) => (
              <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={data.length === 1 ? { r: 3 } : false} isAnimationActive={false} connectNulls={!s.gaps} strokeWidth={s.faint ? 1 : 1.5} strokeDasharray={s.faint ? '4 3' : undefined} strokeOpacity={s.faint ? 0.7 : 1} />
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

/**
 * Several series on one time axis; no animation, no dots. Redraws at most once per `throttleMs`,
 * each chart at its own `phaseMs`, so a page of charts never redraws in one long task.
 */
/**
 * `note`: one short line under the title that says how to read the chart (also its description).
 * `fromZero` false: the value axis fits the data instead of starting at 0 (readings, not counts).
 * `span`: the time axis' first and last time, the window the page shows, so that the charts of one
 * page line up (times one above the other) whatever each one's data covers; without it the axis
 * spans the data's first to last time.
 */
export function SeriesChart({ data, span, series, height = 220, title, note, testId, throttleMs = 1000, phaseMs = 0, fromZero = true }: { data: Row[]; span?: TimeSpan; series: SeriesDef[]; height?: number; title: string; note?: string; testId?: string; throttleMs?: number; phaseMs?: number; fromZero?: boolean }) {
  // the span is throttled with the data, so the axis never slides ahead of the lines
  const from = span?.from;
  const to = span?.to;
  const input = useMemo(() => ({ rows: data, span: from === undefined || to === undefined ? null : { from, to } }), [data, from, to]);
  const live = useThrottled(input, throttleMs, phaseMs);
  // Held while focus is inside: a live window slides every second, which would move the point
  // under the keyboard and make the tooltip (an assertive live region) speak again each time.
  const [held, setHeld] = useState<typeof live | null>(null);
  const view = held ?? live;
  const shown = view.rows;
  // The keyboard's point is ours, not recharts': its accessibility layer only steps Left/Right from
  // the oldest point and has no public way to set its index, and a Tooltip `defaultIndex` is ignored
  // once the mouse has been over the chart. So keys move `point` (focus from the keyboard starts it
  // at the newest), ChartBody draws it, and moving the mouse over the plot hands over to recharts.
  const [point, setPoint] = useState<number | null>(null);
  const clearPoint = useCallback(() => setPoint(null), []);
  const pressed = useRef(false); // a click focuses the chart too, where the mouse shows its own tooltip
  const hold = () => {
    setHeld((h) => h ?? live);
    if (!pressed.current && shown.length > 0) setPoint(shown.length - 1);
    pressed.current = false;
  };
  const release = (e: FocusEvent<HTMLElement>) => {
    if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
    setHeld(null);
    setPoint(null);
  };
  const move = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape' && point !== null) return setPoint(null);
    const to = keyPoint(e.key, point ?? shown.length - 1, shown.length);
    if (to === undefined) return;
    e.preventDefault(); // Home, End and the page keys would scroll the page
    setPoint(to);
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
    <figure className="chart" data-testid={testId} onFocus={hold} onBlur={release} onKeyDown={move} onPointerDown={() => (pressed.current = true)} onPointerUp={() => (pressed.current = false)}>
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
      {mounted ? <ChartBody data={shown} span={view.span} series={series} height={height} label={`${title} chart`} describedBy={`${note ? `${noteId} ` : ''}${summaryId} ${hintId}`} point={point} onPointer={clearPoint} fromZero={fromZero} /> : <div style={{ height }} />}
    </figure>
  );
}

/**
 * Series colours, in order: CSS variables (styles.css, --series-1..10) so each theme has its own,
 * the light one darker (3:1 or better on the chart background), and a theme switch recolours
 * drawn charts, legends and swatches without a redraw.
 */
export const PALETTE = Array.from({ length: 10 }, (_, i) => `var(--series-${i + 1})`);
