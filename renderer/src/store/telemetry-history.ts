import type { DeviceSummary } from '../../../shared/api/contract';

export interface TelemetrySample {
  ts: number;
  v: number;
}
/** device -> channel -> samples, oldest first. */
export type TelemetryHistory = Record<string, Record<string, TelemetrySample[]>>;

/** Bounds: samples per channel (one a second at most), channels per device, devices tracked. */
export const HISTORY_POINTS = 120;
export const HISTORY_SPACING_MS = 1000;
export const HISTORY_CHANNELS = 12;
export const HISTORY_DEVICES = 200;

/** Appends the numeric telemetry of the changed devices; copies only what changed. */
export function recordTelemetry(history: TelemetryHistory, changed: DeviceSummary[], ts: number): TelemetryHistory {
  let next: TelemetryHistory | null = null;
  for (const d of changed) {
    const entries = Object.entries(d.telemetry).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    if (entries.length === 0) continue;
    const cur = history[d.id];
    if (!cur && Object.keys(next ?? history).length >= HISTORY_DEVICES) continue;
    // one sample a second is plenty for a chart and keeps the garbage per batch small
    const newest = cur ? Object.values(cur)[0]?.at(-1) : undefined;
    if (newest && ts - newest.ts < HISTORY_SPACING_MS) continue;
    const channels: Record<string, TelemetrySample[]> = { ...cur };
    for (const [ch, v] of entries.slice(0, HISTORY_CHANNELS)) {
      const series = channels[ch] ?? [];
      const last = series[series.length - 1];
      if (last && ts - last.ts < HISTORY_SPACING_MS) continue;
      const appended = series.length >= HISTORY_POINTS ? series.slice(series.length - HISTORY_POINTS + 1) : series.slice();
      appended.push({ ts, v });
      channels[ch] = appended;
    }
    next ??= { ...history };
    next[d.id] = channels;
  }
  return next ?? history;
}
