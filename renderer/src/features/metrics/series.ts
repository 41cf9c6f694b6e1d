import type { MetricsPoint } from '../../../../shared/api/contract';

export const LIVE_WINDOW_MS = 5 * 60_000;
/** Charts draw at most this many points; longer series are down-sampled by bucket averages. */
export const MAX_CHART_POINTS = 600;

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

/** Per-device series merged into rows keyed by timestamp, for one multi-series chart. */
export function mergeDeviceSeries(history: Record<string, { ts: number; v: number }[]>, devices: string[]): Row[] {
  const byTs = new Map<number, Row>();
  for (const id of devices) {
    for (const p of history[id] ?? []) {
      let row = byTs.get(p.ts);
      if (!row) byTs.set(p.ts, (row = { ts: p.ts }));
      row[id] = p.v;
    }
  }
  return Array.from(byTs.values()).sort((a, b) => a.ts! - b.ts!);
}
