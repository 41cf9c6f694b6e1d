import { formatDuration } from './format';
import { timeLabels, type Row, type TimeSpan } from './SeriesChart';

/** A fitted time axis spans at least this much, so one point is not a zero-width chart. */
export const MIN_FITTED_SPAN_MS = 10 * 60_000;

/**
 * A long range (24 hours, 30 days) whose data covers only its last part: drawn over the whole span
 * it is a sliver at the right edge. When the data starts after the span's middle the axis is fitted
 * to it (from its first time, MIN_FITTED_SPAN_MS at least) and `note` says so; otherwise the span
 * as it is and no note. `first`: the data's first time with a value (null without any).
 */
export function fitToData(span: TimeSpan | undefined, first: number | null, rangeName: string): { span: TimeSpan | undefined; note: string | null } {
  if (!span || first === null || first <= span.from + (span.to - span.from) / 2) return { span, note: null };
  const from = Math.min(first, span.to - MIN_FITTED_SPAN_MS);
  const { full } = timeLabels(span.to - from);
  return { span: { from, to: span.to }, note: `Data since ${full(first)} (${formatDuration(span.to - first)} of the ${rangeName}): the time axis starts there.` };
}

/** The first time in the rows with a number in any of the keys (null without any). */
export function firstValueTime(rows: Row[], keys: string[]): number | null {
  for (const r of rows) if (typeof r.ts === 'number' && keys.some((k) => typeof r[k] === 'number')) return r.ts;
  return null;
}
