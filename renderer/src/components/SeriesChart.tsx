import { useCallback, useEffect, useId, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { deferred } from './deferred';
import { useOnScreen } from './useOnScreen';
import { useThrottled } from './useThrottled';

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
export function timeBounds(data: Row[]): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const r of data) {
    if (typeof r.ts !== 'number') continue;
    if (r.ts < from) from = r.ts;
    if (r.ts > to) to = r.ts;
  }
  return from <= to ? { from, to } : null;
}

export type Row = Record<string, number | null>;
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

/**
 * The recharts drawing (ChartBody.tsx, with recharts itself) is a chunk of its own, so the panel's
 * first paint does not wait for it: main.tsx preloads it once the page is idle, and a chart drawn
 * before it arrives keeps its place at its height until then.
 */
const chartBody = deferred(
  () => import('./ChartBody').then((m) => m.ChartBody),
  ({ height }, failed) => (
    <div className="chart-loading" style={{ height }} aria-busy={failed === null}>
      {failed !== null && (
        // no live region: a page of charts would say it once per chart
        <p className="chart-failed" title={failed}>
          The chart could not be fetched from the host.{' '}
          <button type="button" className="btn" onClick={() => window.location.reload()}>
            Reload the panel
          </button>
        </p>
      )}
    </div>
  ),
);
const ChartBody = chartBody.Component;
export const preloadCharts = chartBody.preload;

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
/** Whether any series has a number in the rows (else the chart would be bare axes). */
export function hasValues(data: Row[], series: SeriesDef[]): boolean {
  return data.some((r) => series.some((s) => typeof r[s.key] === 'number' && Number.isFinite(r[s.key])));
}

/**
 * `empty`: said in the plot's place while no series has a value (e.g. no ping has measured an RTT
 * yet), instead of bare axes with no ticks.
 */
export function SeriesChart({ data, span, series, height = 220, title, note, testId, throttleMs = 1000, phaseMs = 0, fromZero = true, empty = 'No data yet.' }: { data: Row[]; span?: TimeSpan; series: SeriesDef[]; height?: number; title: string; note?: string; testId?: string; throttleMs?: number; phaseMs?: number; fromZero?: boolean; empty?: string }) {
  // the span is throttled with the data, so the axis never slides ahead of the lines
  const from = span?.from;
  const to = span?.to;
  const input = useMemo(() => ({ rows: data, span: from === undefined || to === undefined ? null : { from, to } }), [data, from, to]);
  // a chart scrolled out of sight holds still (the Metrics page has seven, a phone shows one or two)
  const figure = useRef<HTMLElement>(null);
  const onScreen = useOnScreen(figure);
  const live = useThrottled(input, throttleMs, phaseMs, !onScreen);
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
    <figure ref={figure} className="chart" data-testid={testId} onFocus={hold} onBlur={release} onKeyDown={move} onPointerDown={() => (pressed.current = true)} onPointerUp={() => (pressed.current = false)}>
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
      {/* the data as it is now, not as last drawn: a chart whose series just changed has values to come */}
      {!hasValues(data, series) ? (
        <p className="chart-empty muted" style={{ height }} data-testid={testId ? `${testId}-empty` : undefined}>
          {empty}
        </p>
      ) : mounted ? (
        <ChartBody data={shown} span={view.span} series={series} height={height} label={`${title} chart`} describedBy={`${note ? `${noteId} ` : ''}${summaryId} ${hintId}`} point={point} onPointer={clearPoint} fromZero={fromZero} />
      ) : (
        <div style={{ height }} />
      )}
    </figure>
  );
}

/**
 * Series colours, in order: CSS variables (styles.css, --series-1..10) so each theme has its own,
 * the light one darker (3:1 or better on the chart background), and a theme switch recolours
 * drawn charts, legends and swatches without a redraw.
 */
export const PALETTE = Array.from({ length: 10 }, (_, i) => `var(--series-${i + 1})`);
