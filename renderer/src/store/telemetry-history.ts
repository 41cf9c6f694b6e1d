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
    if (!cur && Object.keys(next ?? history).length >= HISTORY_DEVICES) {
      // full: a device silent for a whole chart window (gone, or an id of the past in a long-running
      // tab) makes room; while all are live the newcomer waits, rather than charts taking turns
      const { id, newest } = stalest(next ?? history);
      if (ts - newest < HISTORY_POINTS * HISTORY_SPACING_MS) continue;
      next ??= { ...history };
      delete next[id];
    }
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
    evictStalestChannels(channels);
    next ??= { ...history };
    next[d.id] = channels;
  }
  return next ?? history;
}

/**
 * Past HISTORY_CHANNELS, drops the channels updated longest ago (in place): a device whose channel
 * names change would otherwise keep every old one, and the charts would show the stale ones.
 */
function evictStalestChannels(channels: Record<string, TelemetrySample[]>): void {
  const names = Object.keys(channels);
  if (names.length <= HISTORY_CHANNELS) return;
  const lastTs = (name: string) => channels[name]!.at(-1)?.ts ?? -Infinity;
  const stalestFirst = names.sort((a, b) => lastTs(a) - lastTs(b));
  for (const name of stalestFirst.slice(0, names.length - HISTORY_CHANNELS)) delete channels[name];
}

/** The device whose newest sample is the oldest, and that sample's time. */
function stalest(history: TelemetryHistory): { id: string; newest: number } {
  let found = { id: '', newest: Infinity };
  for (const [id, channels] of Object.entries(history)) {
    const newest = Math.max(...Object.values(channels).map((s) => s.at(-1)?.ts ?? -Infinity));
    if (newest < found.newest) found = { id, newest };
  }
  return found;
}

/** Without the forgotten devices' samples; `history` itself when it had none of them. */
export function forgetTelemetry(history: TelemetryHistory, ids: string[]): TelemetryHistory {
  if (!ids.some((id) => id in history)) return history;
  const next = { ...history };
  for (const id of ids) delete next[id];
  return next;
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
