import { describe, expect, it } from 'vitest';
import { MIN_TICK_GAP_PX, tickStep, timeTicks } from './time-ticks';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const clock = (ts: number) => new Date(ts).toTimeString().slice(0, 8);

describe('time ticks', () => {
  it('fall on round seconds in a live window, never on the odd second the data starts at', () => {
    const from = new Date(2026, 0, 1, 3, 37, 49).getTime();
    const to = from + 2 * MINUTE;
    expect(timeTicks(from, to, 528).map(clock)).toEqual(['03:38:00', '03:38:30', '03:39:00', '03:39:30']);
    // a wider chart: more, closer ticks, still round
    expect(timeTicks(from, to, 900).map(clock)).toEqual(['03:38:00', '03:38:15', '03:38:30', '03:38:45', '03:39:00', '03:39:15', '03:39:30', '03:39:45']);
  });

  it('pick the step from the window and the width: 15 s, 30 s, 1 min, 5 min, 1 h, 6 h, days', () => {
    expect(tickStep(2 * MINUTE, 900)).toBe(15 * SECOND);
    expect(tickStep(2 * MINUTE, 528)).toBe(30 * SECOND);
    expect(tickStep(5 * MINUTE, 300)).toBe(2 * MINUTE);
    expect(tickStep(5 * MINUTE, 528)).toBe(MINUTE);
    expect(tickStep(HOUR, 600)).toBe(10 * MINUTE);
    expect(tickStep(HOUR, 1100)).toBe(5 * MINUTE);
    expect(tickStep(24 * HOUR, 528)).toBe(6 * HOUR);
    expect(tickStep(30 * DAY, 528)).toBe(7 * DAY);
  });

  it('keep every two labels at least the gap apart, so the last never crowds the one before', () => {
    for (const [span, width] of [[2 * MINUTE, 300], [5 * MINUTE, 700], [HOUR, 528], [24 * HOUR, 1100], [30 * DAY, 528], [7 * MINUTE + 3 * SECOND, 451]] as const) {
      const from = new Date(2026, 2, 10, 9, 13, 7).getTime();
      const ticks = timeTicks(from, from + span, width);
      expect(ticks.length, `${span} over ${width} px`).toBeGreaterThanOrEqual(1);
      const gaps = ticks.slice(1).map((t, i) => ((t - ticks[i]!) / span) * width);
      // a daylight-saving day is an hour short
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(span >= 2 * DAY ? (MIN_TICK_GAP_PX * 23) / 24 : MIN_TICK_GAP_PX);
      for (const t of ticks) expect(t >= from && t <= from + span).toBe(true);
    }
  });

  it('label minutes within a day (no seconds) and whole local days beyond, at local midnight', () => {
    const from = new Date(2026, 2, 10, 9, 13, 7).getTime();
    for (const t of timeTicks(from, from + 24 * HOUR, 1100)) expect(new Date(t).getSeconds()).toBe(0);
    for (const t of timeTicks(from, from + 24 * HOUR, 528)) expect(new Date(t).getHours() % 6).toBe(0);
    const days = timeTicks(from, from + 3 * DAY, 528);
    expect(days.length).toBe(3);
    for (const t of days) expect([new Date(t).getHours(), new Date(t).getMinutes()]).toEqual([0, 0]);
  });

  it('has one tick for a single point and none for no data', () => {
    expect(timeTicks(5, 5, 600)).toEqual([5]);
    expect(timeTicks(Infinity, -Infinity, 600)).toEqual([]);
  });
});
