import { describe, expect, it } from 'vitest';
import { fitToData, firstValueTime, MIN_FITTED_SPAN_MS } from './data-since';

const H = 3_600_000;
const to = new Date(2026, 0, 2, 14, 30).getTime();
const day = { from: to - 24 * H, to };

describe('fitting a long range to its data', () => {
  it('starts the axis at the first value when the data covers only the end of the range, and says so', () => {
    const first = new Date(2026, 0, 2, 14, 0).getTime();
    const { span, note } = fitToData(day, first, 'last 24 hours');
    expect(span).toEqual({ from: first, to });
    expect(note).toMatch(/^Data since \S+ \S+ 14:00 \(30 min of the last 24 hours\): the time axis starts there\.$/);
  });

  it('keeps the whole range when the data fills more than half of it, or there is none', () => {
    expect(fitToData(day, to - 20 * H, 'last 24 hours')).toEqual({ span: day, note: null });
    expect(fitToData(day, null, 'last 24 hours')).toEqual({ span: day, note: null });
  });

  it('spans a few minutes at least, so one point is not a zero-width chart', () => {
    expect(fitToData(day, to, 'last 24 hours').span).toEqual({ from: to - MIN_FITTED_SPAN_MS, to });
  });

  it('finds the first row with a value, not the first row (the host answers nulls where it was not running)', () => {
    expect(firstValueTime([{ ts: 1, a: null }, { ts: 2, a: null, b: 0 }, { ts: 3, a: 4 }], ['a', 'b'])).toBe(2);
    expect(firstValueTime([{ ts: 1, a: null }], ['a'])).toBeNull();
  });
});
