import { commandName, statusName } from '../../../shared/protocol/constants';

/** "3 s", "4 min", "2 h 5 min", "3 d 4 h": durations at a glance. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatAgo(ts: number | null, now: number): string {
  if (ts === null) return 'never';
  return `${formatDuration(now - ts)} ago`;
}

export function formatTime(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const GROUPED = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/** A reading as a person reads it: 182,054 rather than 182054, at most 3 decimals; others as sent. */
export function formatValue(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? GROUPED.format(value) : String(value);
}

export function formatRate(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} k/s`;
  if (v >= 100) return `${Math.round(v)}/s`;
  return `${v.toFixed(1)}/s`;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export const cmdLabel = (cmd: number) => commandName(cmd);
const SHORT: Record<string, string> = { JSON_MESSAGE: 'JSON', RESPONSE: 'ACK', BROADCAST: 'BCAST' };
/** Short command names for narrow list columns (the full name goes in the title). */
export const cmdShort = (cmd: number) => SHORT[commandName(cmd)] ?? commandName(cmd);
export const statusLabel = (status: number | null) => (status === null ? '' : statusName(status));

export { reasonText } from '../../../shared/api/reason-text';
