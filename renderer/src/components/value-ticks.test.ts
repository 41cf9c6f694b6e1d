import { describe, expect, it } from 'vitest';
import { valueBounds, valueTicks } from './value-ticks';

describe('value ticks', () => {
  it('fall on round numbers (steps of 1, 2 or 5 times a power of ten) that cover the values', () => {
    expect(valueTicks(0, 0.22, true)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(valueTicks(0, 0.18, true)).toEqual([0, 0.05, 0.1, 0.15, 0.2]);
    expect(valueTicks(0, 0.00028, true)).toEqual([0, 0.0001, 0.0002, 0.0003]);
    expect(valueTicks(0, 9, true)).toEqual([0, 5, 10]);
    expect(valueTicks(0, 181_500, true)).toEqual([0, 50_000, 100_000, 150_000, 200_000]);
    // readings fit the data instead of starting at 0
    expect(valueTicks(21.35, 22.05, false)).toEqual([21.2, 21.4, 21.6, 21.8, 22, 22.2]);
  });

  it('give a flat line room: 0 to 1 for zeros, a tenth either side for a reading', () => {
    expect(valueTicks(0, 0, true)).toEqual([0, 0.5, 1]);
    expect(valueTicks(20, 20, false)).toEqual([18, 19, 20, 21, 22]);
    expect(valueTicks(Infinity, -Infinity, true)).toEqual([0, 1]);
  });

  it('bound the numbers of the given keys only', () => {
    expect(valueBounds([{ ts: 5, a: 1, b: null }, { ts: 6, a: -2, b: 7 }], ['a', 'b'])).toEqual({ min: -2, max: 7 });
  });
});
