import type { DeviceSummary } from '../../../shared/api/contract';
import { LIVE_TELEMETRY } from '../../../shared/api/limits';

export interface TelemetrySample {
  ts: number;
  v: number;
}
/** device -> channel -> samples, oldest first. */
export type TelemetryHistory = Record<string, Record<string, TelemetrySample[]>>;

/** Bounds: samples per channel (one a second at most), channels per device, devices tracked. */
export const HISTORY_POINTS = LIVE_TELEMETRY.points;
export const HISTORY_SPACING_MS = LIVE_TELEMETRY.spacingMs;
export const HISTORY_CHANNELS = LIVE_TELEMETRY.channels;
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

/**
 * Puts the host's recent readings of a device (telemetry.recent, oldest first) in front of what
 * this window has: per channel only host points older than the window's first one, at least
 * HISTORY_SPACING_MS apart and before it; then the newest HISTORY_POINTS. Points the window has
 * win, and the channel and device bounds hold. Returns `history` itself when nothing changes.
 */
export function mergeRecentTelemetry(history: TelemetryHistory, device: string, host: { channel: string; points: TelemetrySample[] }[]): TelemetryHistory {
  const cur = history[device];
  if (!cur && Object.keys(history).length >= HISTORY_DEVICES) return history;
  let channels: Record<string, TelemetrySample[]> | null = null;
  for (const { channel, points } of host) {
    const have = cur?.[channel];
    if (!have && Object.keys(channels ?? cur ?? {}).length >= HISTORY_CHANNELS) continue;
    const first = have?.[0]?.ts ?? Infinity;
    const older: TelemetrySample[] = [];
    for (const p of points) {
      if (!Number.isFinite(p.v) || first - p.ts < HISTORY_SPACING_MS) continue;
      const last = older[older.length - 1];
      if (last && p.ts - last.ts < HISTORY_SPACING_MS) continue;
      older.push({ ts: p.ts, v: p.v });
    }
    const room = HISTORY_POINTS - (have?.length ?? 0);
    if (older.length === 0 || room <= 0) continue;
    channels ??= { ...cur };
    channels[channel] = [...older.slice(Math.max(0, older.length - room)), ...(have ?? [])];
  }
  return channels ? { ...history, [device]: channels } : history;
}
