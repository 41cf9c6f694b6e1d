import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { Flusher } from './flusher';
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
