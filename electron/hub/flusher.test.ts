import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../broker/testing/fixtures';
import { openDatabase } from './db';
import { Flusher, MAX_DEFER_MS, ROUND_BUDGET_MS } from './flusher';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-flusher-');
const SLOW_MS = 40;
afterAll(() => tmp.cleanup());

describe('Flusher stats', () => {
  it('says which task a slow round spent its time in, and counts every round in the histogram', () => {
    const db = openDatabase(`${tmp.dir}/f.db`);
    const flusher = new Flusher(db);
    let round = 0;
    flusher.add('quick', () => {
      db.prepare("INSERT INTO audit (ts, action) VALUES (?, 'x')").run(round);
    });
    flusher.add('slow', () => {
      // Every third round this task holds the loop for 40 ms: far above what a quick round's
      // COMMIT can take on a busy machine, so the ordering below cannot flip.
      const until = performance.now() + (++round % 3 === 0 ? SLOW_MS : 0);
      while (performance.now() < until);
    });
    for (let i = 0; i < 12; i++) flusher.flush();
    const s = flusher.stats();
    expect(s.flushes).toBe(12);
    expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(12);
    expect(s.slowest).toHaveLength(10);
    const worst = s.slowest[0]!;
    expect(worst.totalMs).toBe(s.maxFlushMs);
    expect(worst.tasks.slow).toBeGreaterThanOrEqual(SLOW_MS);
    expect(worst.tasks.slow! + worst.tasks.quick! + worst.commitMs).toBeCloseTo(worst.totalMs, 5);
    // The four slow rounds come first.
    expect(s.slowest.slice(0, 4).every((r) => r.tasks.slow! >= SLOW_MS)).toBe(true);
    db.close();
  });
});

describe('Flusher time budget', () => {
  it("hands every task of a round the same deadline, the round's start plus its budget (default ROUND_BUDGET_MS)", () => {
    const db = openDatabase(`${tmp.dir}/budget.db`);
    for (const [flusher, budget] of [[new Flusher(db, 250, 7), 7], [new Flusher(db), ROUND_BUDGET_MS]] as const) {
      const seen: number[] = [];
      flusher.add('a', (deadline) => void seen.push(deadline));
      flusher.add('b', (deadline) => void seen.push(deadline));
      const before = performance.now();
      flusher.flush();
      const after = performance.now();
      expect(seen).toHaveLength(2);
      expect(seen[1]).toBe(seen[0]);
      expect(seen[0]! - budget).toBeGreaterThanOrEqual(before);
      expect(seen[0]! - budget).toBeLessThanOrEqual(after);
    }
    db.close();
  });

  it('flushAll runs its rounds without the time budget: a shutdown writes everything queued', () => {
    const db = openDatabase(`${tmp.dir}/all.db`);
    const flusher = new Flusher(db, 250, 0);
    const seen: number[] = [];
    let left = 3;
    flusher.add('a', (deadline) => (seen.push(deadline), --left > 0));
    flusher.flushAll();
    expect(seen).toEqual([Infinity, Infinity, Infinity]);
    db.close();
  });
});

describe('Flusher rounds that would wait', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a timed round comes back a millisecond later while `ready` says no, and runs once it says yes', async () => {
    const db = openDatabase(`${tmp.dir}/ready.db`);
    let asked = 0;
    const flusher = new Flusher(db, 20, ROUND_BUDGET_MS, (round) => round(), () => ++asked > 3);
    let rounds = 0;
    flusher.add('count', () => void rounds++);
    flusher.start();
    await eventually(() => rounds === 1);
    expect(asked).toBe(4); // three retries, no round meanwhile
    flusher.stop();
    db.close();
  });

  it('runs anyway after MAX_DEFER_MS (its `around` waits then), and flushAll never asks', async () => {
    const db = openDatabase(`${tmp.dir}/never-ready.db`);
    let asked = 0;
    const flusher = new Flusher(db, 10_000, ROUND_BUDGET_MS, (round) => round(), () => (asked++, false));
    let rounds = 0;
    flusher.add('more', () => ++rounds < 2); // asks for a second round at once
    flusher.start();
    const started = performance.now();
    flusher.flushAll(1);
    expect([rounds, asked]).toEqual([1, 0]);
    flusher.requestSoon();
    await eventually(() => rounds === 2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(MAX_DEFER_MS);
    expect(asked).toBeGreaterThan(1);
    await sleep(5);
    flusher.stop();
    db.close();
  });
});
