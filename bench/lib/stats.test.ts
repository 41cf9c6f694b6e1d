import { describe, expect, it } from 'vitest';
import { HISTOGRAM_BUCKETS, Histogram, bucketLow, bucketOf, median, percentile } from './stats';

describe('percentile (exact, nearest rank)', () => {
  it('follows the nearest-rank definition', () => {
    const samples = [15, 20, 35, 40, 50];
    expect(percentile(samples, 5)).toBe(15);
    expect(percentile(samples, 30)).toBe(20);
    expect(percentile(samples, 40)).toBe(20);
    expect(percentile(samples, 50)).toBe(35);
    expect(percentile(samples, 100)).toBe(50);
  });

  it('does not depend on input order and does not mutate it', () => {
    const samples = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(samples, 90)).toBe(9);
    expect(samples[0]).toBe(9);
  });

  it('is NaN for no samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('median', () => {
  it('takes the middle, or the mean of the middle two, ignoring non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5, Infinity])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('Histogram', () => {
  it('has exact buckets below 128 µs and monotonic bucket bounds above', () => {
    for (let v = 0; v < 128; v++) expect(bucketOf(v)).toBe(v);
    let previous = -1;
    for (let b = 0; b < HISTOGRAM_BUCKETS - 1; b++) {
      expect(bucketLow(b)).toBeGreaterThan(previous);
      expect(bucketOf(bucketLow(b))).toBe(b);
      previous = bucketLow(b);
    }
  });

  it('clamps negative, fractional and huge values into range', () => {
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(3.9)).toBe(3);
    expect(bucketOf(1e12)).toBeLessThan(HISTOGRAM_BUCKETS);
  });

  it('reports percentiles within 1.6 % of the exact ones', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const samples = Array.from({ length: 20_000 }, () => Math.floor(Math.exp(random() * 12)));
    const h = new Histogram();
    for (const s of samples) h.record(s);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = percentile(samples, p);
      expect(Math.abs(h.percentile(p) - exact)).toBeLessThanOrEqual(Math.max(1, exact / 64));
    }
  });

  it('merges and resets counts', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(10);
    b.record(1000);
    b.record(1000);
    a.merge(b);
    expect(a.total).toBe(3);
    expect(a.percentile(34)).toBeGreaterThan(990);
    expect(a.percentile(33)).toBe(10);
    const copy = new Histogram(a.counts.slice());
    expect(copy.total).toBe(3);
    a.reset();
    expect(a.total).toBe(0);
    expect(a.percentile(50)).toBeNaN();
  });
});
