const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Round steps a time axis may use, smallest first. */
const STEPS = [1, 2, 5, 10, 15, 30].map((s) => s * SECOND).concat([1, 2, 5, 10, 15, 30].map((m) => m * MINUTE), [1, 2, 3, 6, 12].map((h) => h * HOUR), [1, 2, 7, 14].map((d) => d * DAY));

/** Room one time label needs: "14:07:09" in the axis' 11 px font is about 50 px, plus a gap of 30. */
export const MIN_TICK_GAP_PX = 80;

/**
 * The smallest step the labels can show: a live window is labelled to the second, up to a day and
 * a half to the minute, beyond that by date (timeLabels in SeriesChart uses the same spans).
 */
function smallestStep(spanMs: number): number {
  if (spanMs <= 10 * MINUTE) return SECOND;
  if (spanMs <= 36 * HOUR) return MINUTE;
  return DAY;
}

/** The first whole multiple of `step` in local time at or after `ts` (so 15 min ticks fall on :00, :15...). */
function alignUp(ts: number, step: number): number {
  const offset = new Date(ts).getTimezoneOffset() * MINUTE; // UTC minus local
  return Math.ceil((ts - offset) / step) * step + offset;
}

/** Local midnights from `from` to `to`, every `days` days (counted from 1 Jan 1970), as calendar days: a daylight-saving day is 23 or 25 h. */
function dayTicks(from: number, to: number, days: number): number[] {
  const start = new Date(from);
  let day = Math.round(Date.UTC(start.getFullYear(), start.getMonth(), start.getDate()) / DAY);
  if (new Date(start.getFullYear(), start.getMonth(), start.getDate()).getTime() < from) day++;
  day = Math.ceil(day / days) * days;
  const ticks: number[] = [];
  for (let d = day; ticks.length < 1000; d += days) {
    const utc = new Date(d * DAY);
    const t = new Date(utc.getUTCFullYear(), utc.getUTCMonth(), utc.getUTCDate()).getTime();
    if (t > to) break;
    ticks.push(t);
  }
  return ticks;
}

/** The step for `spanMs` over `widthPx`: the smallest round one whose ticks are at least `minGapPx` apart. */
export function tickStep(spanMs: number, widthPx: number, minGapPx = MIN_TICK_GAP_PX): number {
  const room = Math.max(widthPx, 2 * minGapPx) / minGapPx; // how many gaps fit (two before the width is known)
  const step = STEPS.find((s) => s >= smallestStep(spanMs) && spanMs / s <= room);
  // beyond the largest round step: whole multiples of it
  const largest = STEPS.at(-1)!;
  return step ?? Math.ceil(spanMs / room / largest) * largest;
}

/**
 * Time-axis ticks on round local times (every 15 s, 30 s, 1 min, 5 min, 1 h, 6 h, a day...) between
 * `from` and `to`, as many as fit `widthPx` with `minGapPx` each, so labels read 03:37:45, 03:38:00
 * instead of falling on odd seconds, and the last never crowds the one before.
 */
export function timeTicks(from: number, to: number, widthPx: number, minGapPx = MIN_TICK_GAP_PX): number[] {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return [];
  if (to === from) return [from];
  const step = tickStep(to - from, widthPx, minGapPx);
  if (step >= DAY) return dayTicks(from, to, step / DAY);
  // exactly a step apart from the first, aligned in the local time of `from` (a daylight-saving
  // change within the window shifts the later labels, never the spacing)
  const first = alignUp(from, step);
  return Array.from({ length: Math.max(0, Math.floor((to - first) / step) + 1) }, (_, i) => first + i * step);
}
