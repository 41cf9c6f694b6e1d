import { describe, expect, it } from 'vitest';
import { StepSizer } from './step-sizer';

describe('StepSizer', () => {
  it('sizes steps to the budget at the cost per row measured, within its bounds', () => {
    const s = new StepSizer(1, 50, 2_000);
    expect(s.rows()).toBe(250); // 1 ms at the starting 4 us a row
    for (let i = 0; i < 20; i++) s.record(s.rows(), s.rows() * 0.02); // a slow disk: 20 us a row
    expect(s.rows()).toBeGreaterThanOrEqual(50);
    expect(s.rows()).toBeLessThanOrEqual(51);
    for (let i = 0; i < 20; i++) s.record(s.rows(), s.rows() * 0.0001); // a fast one: 0.1 us a row
    expect(s.rows()).toBe(2_000);
  });

  it('moves halfway to each new measure, and ignores tiny steps and nonsense times', () => {
    const s = new StepSizer(1, 10, 100_000);
    s.record(1_000, 12); // 12 us a row: halfway from 4 is 8
    expect(s.rows()).toBe(125);
    s.record(5, 500); // a step of 5 rows says little
    s.record(1_000, Number.NaN);
    s.record(1_000, -1);
    expect(s.rows()).toBe(125);
  });
});
