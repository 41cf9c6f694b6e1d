import type { MetricsPoint, MetricsRange } from '../../../../shared/api/contract';

export const LIVE_WINDOW_MS = 5 * 60_000;
/**
 * How often the Metrics view's live charts redraw. Each recharts redraw allocates about 1 MB
 * (its store, selectors, grid), so six charts at 1 Hz made the view allocate 8.3 MiB/s against
 * 1.7 on Devices (2,000 msg/s, e2e/perf/view-allocation.ts): garbage that piled up until the view
 * was left. At 2 s it is 4.8 MiB/s; every 1 s point is still drawn.
 */
export const LIVE_REDRAW_MS = 2000;
/** Charts draw at most this many points; longer series are down-sampled by bucket averages. */
export const MAX_CHART_POINTS = 600;

/**
 * The time every chart of the Metrics view spans, so their times line up one above the other: the
 * whole live window up to the newest point (5 minutes even when the host started 30 s ago, or a
 * device's samples cover less), or the stored range's first to last step. Null without points.
 */
export function chartSpan(range: MetricsRange, points: { ts: number | null }[], newestRate = 0): { from: number; to: number } | null {
  if (range === '5m') {
    const to = Math.max(points.at(-1)?.ts ?? 0, newestRate);
    return to > 0 ? { from: to - LIVE_WINDOW_MS, to } : null;
  }
  const from = points[0]?.ts;
  const to = points.at(-1)?.ts;
  return typeof from === 'number' && typeof to === 'number' ? { from, to } : null;
}

/** The points of the last 5 minutes of the live buffer. */
export function liveWindow(points: MetricsPoint[], now: number): MetricsPoint[] {
  const from = now - LIVE_WINDOW_MS;
  let i = points.length;
  while (i > 0 && points[i - 1]!.ts >= from) i--;
  return points.slice(i);
}

type Row = Record<string, number | null>;

/** Averages neighbours into at most `max` rows (numbers only; nulls skipped). */
export function downsample(rows: Row[], max = MAX_CHART_POINTS): Row[] {
  if (rows.length <= max) return rows;
  const size = Math.ceil(rows.length / max);
  const out: Row[] = [];
  for (let i = 0; i < rows.length; i += size) {
    const bucket = rows.slice(i, i + size);
    const merged: Row = {};
    for (const key of Object.keys(bucket[0]!)) {
      const vals = bucket.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
      merged[key] = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
    }
    merged.ts = bucket[0]!.ts ?? null;
    out.push(merged);
  }
  return out;
}

type RateHistory = Record<string, { ts: number; v: number }[]>;

/** Per-device series merged into rows keyed by timestamp (those at or after `from`), for one multi-series chart. */
export function mergeDeviceSeries(history: RateHistory, devices: string[], from = -Infinity): Row[] {
  const byTs = new Map<number, Row>();
  for (const id of devices) {
    for (const p of history[id] ?? []) {
      if (p.ts < from) continue;
      let row = byTs.get(p.ts);
      if (!row) byTs.set(p.ts, (row = { ts: p.ts }));
      row[id] = p.v;
    }
  }
  return Array.from(byTs.values()).sort((a, b) => a.ts! - b.ts!);
}

/** The newest sample time over all devices (0 when there is none). */
export function newestSample(history: RateHistory): number {
  let newest = 0;
  for (const series of Object.values(history)) newest = Math.max(newest, series[series.length - 1]?.ts ?? 0);
  return newest;
}

/**
 * The `n` devices that sent the most messages in the window (samples at or after `from`), listed
 * by id so each keeps its colour while the ranking shifts; silent devices are left out.
 */
export function topDevices(history: RateHistory, n: number, from: number): string[] {
  const totals: [string, number][] = [];
  for (const [id, series] of Object.entries(history)) {
    let sum = 0;
    for (let i = series.length - 1; i >= 0 && series[i]!.ts >= from; i--) sum += series[i]!.v;
    if (sum > 0) totals.push([id, sum]);
  }
  totals.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return totals
    .slice(0, n)
    .map(([id]) => id)
    .sort();
}
