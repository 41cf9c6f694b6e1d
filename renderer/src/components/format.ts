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

/** The viewer's locale and time zone unless given (tests fix both); `now` decides what "today" is. */
export interface TimeFormatOptions {
  now?: number;
  locale?: string;
  timeZone?: string;
}

// 24-hour in every locale: a log's times line up in their column, and "PM" would not fit it
const SHAPES = {
  clock: { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' },
  day: { year: 'numeric', month: '2-digit', day: '2-digit' },
  date: { day: 'numeric', month: 'short' },
  dateWithYear: { day: 'numeric', month: 'short', year: 'numeric' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
type Shape = keyof typeof SHAPES;

/**
 * Formatters are slow to build and a list draws hundreds of times: the viewer's own are built once
 * per shape; others (a fixed locale or zone) are kept by a short key.
 */
const viewerFormats: Partial<Record<Shape, Intl.DateTimeFormat>> = {};
const otherFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(shape: Shape, locale: string | undefined, timeZone: string | undefined): Intl.DateTimeFormat {
  if (locale === undefined && timeZone === undefined) return (viewerFormats[shape] ??= new Intl.DateTimeFormat(undefined, SHAPES[shape]));
  const key = `${shape}|${locale ?? ''}|${timeZone ?? ''}`;
  let f = otherFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...SHAPES[shape], ...(timeZone ? { timeZone } : {}) });
    otherFormats.set(key, f);
  }
  return f;
}

/** A calendar day as formatTime compares it; a list works it out once for all its rows. */
export interface Day {
  day: string;
  year: string | undefined;
}

/** The day `ts` falls on, in the given (or the viewer's) locale and zone. */
export function dayOf(ts: number, { locale, timeZone }: Omit<TimeFormatOptions, 'now'> = {}): Day {
  const parts = dateFormat('day', locale, timeZone).formatToParts(ts);
  return { day: parts.map((p) => p.value).join(''), year: parts.find((p) => p.type === 'year')?.value };
}

/**
 * A message's time to the millisecond ("14:03:05.123", with the locale's separators), and its date
 * in front when it is not from today ("7 Dec 14:03:05.123"; with the year when not this year): a
 * row loaded at start or found by a log search may be days old. `today` (from dayOf) spares
 * working out today's date for each of many rows.
 */
export function formatTime(ts: number, { now, today, locale, timeZone }: TimeFormatOptions & { today?: Day } = {}): string {
  const time = dateFormat('clock', locale, timeZone).format(ts);
  const current = today ?? dayOf(now ?? Date.now(), { locale, timeZone });
  const at = dayOf(ts, { locale, timeZone });
  if (at.day === current.day) return time;
  return `${dateFormat(at.year === current.year ? 'date' : 'dateWithYear', locale, timeZone).format(ts)} ${time}`;
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
