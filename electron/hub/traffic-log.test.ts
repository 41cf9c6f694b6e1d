import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { openDatabase } from './db';
import { compileFilter } from './traffic-filter';
import { Flusher } from './flusher';
import { TrafficLog } from './traffic-log';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const DAY = 86_400_000;
const row = (seq: number, ts: number, payload = '{"a":1}'): TrafficRow => ({ seq, ts, dir: 'in', device: 'd', from: 'd', to: 'server', cmd: 30, msgId: seq, size: payload.length, status: 200, payload, cut: false });

describe('TrafficLog', () => {
  it('drops rows older than the age limit and keeps the rest', () => {
    const db = openDatabase(`${tmp.dir}/age.db`);
    const log = new TrafficLog(db);
    const now = 100 * DAY;
    for (let i = 1; i <= 100; i++) log.append(row(i, now - (100 - i) * DAY / 10));
    log.flush();
    const { deleted } = log.applyRetention({ maxAgeMs: 5 * DAY, maxBytes: 1e9 }, now);
    const kept = log.page(compileFilter(''), 1000).rows;
    expect(deleted).toBe(49);
    expect(kept.every((r) => r.ts >= now - 5 * DAY)).toBe(true);
    expect(kept).toHaveLength(51);
    for (let i = 101; i <= 1100; i++) log.append(row(i, 0));
    while (log.flush());
    db.prepare('UPDATE traffic SET ts = 0').run();
    expect(log.applyRetention({ maxAgeMs: DAY, maxBytes: 1e9 }, now, 300)).toEqual({ deleted: 300, more: true });
    let rounds = 1;
    while (log.applyRetention({ maxAgeMs: DAY, maxBytes: 1e9 }, now, 300).more) rounds++;
    // 1051 old rows in steps of 300: four steps, and the fourth already says nothing is left.
    expect(rounds).toBe(3);
    expect(log.page(compileFilter(''), 10).rows).toEqual([]);
    db.close();
  });

  it('never deletes rows the writer thread commits during a step (younger, with higher seqs)', () => {
    const path = `${tmp.dir}/race.db`;
    const db = openDatabase(path);
    const log = new TrafficLog(db);
    const now = 100 * DAY;
    for (let i = 1; i <= 5; i++) log.append(row(i, 0)); // all past the age limit
    log.flush();
    // the writer's connection commits a fresh row right after the step looked for young ones
    const writer = openDatabase(path);
    const insert = writer.prepare('INSERT INTO traffic (seq, ts, dir, device, src, dst, cmd, msg_id, size, status, payload, cut, bytes) VALUES (6, ?, \'in\', \'d\', \'d\', \'server\', 30, 6, 7, 200, \'{"a":1}\', 0, 7)');
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      if (!sql.startsWith('SELECT seq FROM traffic WHERE seq < ? AND ts >= ?')) return statement;
      const get = statement.get.bind(statement);
      return Object.assign(Object.create(statement) as typeof statement, {
        get: (...args: unknown[]) => {
          const found = get(...args);
          insert.run(now);
          return found;
        },
      });
    }) as typeof db.prepare;
    log.applyRetention({ maxAgeMs: DAY, maxBytes: 1e9 }, now, 2_000);
    db.prepare = prepare;
    expect(db.prepare('SELECT seq FROM traffic').all()).toEqual([{ seq: 6 }]);
    writer.close();
    db.close();
  });

  it('works through a backlog of old rows in bounded steps and stops exactly at the first young row', () => {
    const db = openDatabase(`${tmp.dir}/backlog.db`);
    const log = new TrafficLog(db, { batchRows: 10_000 });
    const now = 100 * DAY;
    // 900 old rows, then young ones: the step boundary (300, 600, 900) lands right on the first young row.
    for (let i = 1; i <= 1000; i++) log.append(row(i, i <= 900 ? 0 : now));
    log.flush();
    const steps: number[] = [];
    for (let more = true; more && steps.length < 10; ) {
      const r = log.applyRetention({ maxAgeMs: DAY, maxBytes: 1e9 }, now, 300);
      steps.push(r.deleted);
      more = r.more;
    }
    expect(steps.every((n) => n <= 300)).toBe(true);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(900);
    expect(db.prepare('SELECT min(seq) AS lo, count(*) AS n FROM traffic').get()).toEqual({ lo: 901, n: 100 });
    expect(log.storedBytes).toBe((db.prepare('SELECT sum(bytes) AS b FROM traffic').get() as { b: number }).b);
    db.close();
  });

  it('drops the oldest rows until the size budget holds, and the budget survives a restart', () => {
    const path = `${tmp.dir}/size.db`;
    const db = openDatabase(path);
    const log = new TrafficLog(db);
    for (let i = 1; i <= 1000; i++) log.append(row(i, Date.now(), `{"pad":"${'x'.repeat(900)}"}`));
    log.flush();
    const budget = 200 * 1024;
    log.applyRetention({ maxAgeMs: DAY, maxBytes: budget });
    expect(log.storedBytes).toBeLessThanOrEqual(budget);
    const rows = log.page(compileFilter(''), 1000).rows;
    expect(rows[0]!.seq).toBe(1000);
    expect(rows.at(-1)!.seq).toBe(1000 - rows.length + 1);
    const stored = log.storedBytes;
    db.close();
    const db2 = openDatabase(path);
    const again = new TrafficLog(db2);
    expect(again.storedBytes).toBe(stored);
    expect(again.lastSeq()).toBe(1000);
    db2.close();
  });

  it('drops and counts rows when the write queue is full, never blocking the producer', () => {
    const db = openDatabase(`${tmp.dir}/q.db`);
    let early = 0;
    const log = new TrafficLog(db, { maxQueue: 10, batchRows: 5, onBatchFull: () => early++ });
    for (let i = 1; i <= 25; i++) log.append(row(i, 1));
    expect(log.queued).toBe(10);
    expect(log.counters.dropped).toBe(15);
    expect(early).toBe(1);
    expect(log.flush()).toBe(true);
    expect(log.counters.logged).toBe(5);
    expect(log.flush()).toBe(false);
    expect(log.counters.logged).toBe(10);
    const byChars = new TrafficLog(db, { maxQueueChars: 1000 });
    for (let i = 100; i < 110; i++) byChars.append(row(i, 1, `{"p":"${'z'.repeat(300)}"}`));
    expect(byChars.queued).toBe(3);
    expect(byChars.counters.dropped).toBe(7);
    db.close();
  });

  it('stops a round at its deadline, though never before a first handful of rows, and keeps the rest queued', () => {
    const db = openDatabase(`${tmp.dir}/deadline.db`);
    const log = new TrafficLog(db);
    for (let i = 1; i <= 100; i++) log.append(row(i, 1));
    // a deadline already past: the round still writes the rows before its first look at the clock
    expect(log.flush(Infinity, 0)).toBe(true);
    const first = log.counters.logged;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(100);
    expect(log.queued).toBe(100 - first);
    expect(log.flush(Infinity, Infinity)).toBe(false);
    expect(log.counters).toMatchObject({ logged: 100, dropped: 0 });
    expect(log.page(compileFilter(''), 200).rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    db.close();
  });

  it('loses only the rows a failed round wrote (rolled back) and the one that failed; later rows stay queued', () => {
    const db = openDatabase(`${tmp.dir}/fails.db`);
    const log = new TrafficLog(db);
    log.append(row(1, 1));
    log.flush();
    for (let i = 2; i <= 11; i++) log.append(row(i, 1));
    log.append(row(1, 1)); // seq 1 again: the primary key refuses it
    for (let i = 12; i <= 20; i++) log.append(row(i, 1));
    expect(() => log.flush()).toThrow();
    expect(log.counters.dropped).toBe(11); // rows 2..11, rolled back, and the duplicate
    expect(log.queued).toBe(9);
    expect(log.flush()).toBe(false);
    expect(log.counters.logged).toBe(1 + 9);
    db.close();
  });

  it('cuts long payloads in pages (flagged, size kept) but stores them whole', () => {
    const db = openDatabase(`${tmp.dir}/cut.db`);
    const log = new TrafficLog(db);
    const long = `{"pad":"${'y'.repeat(10_000)}"}`;
    log.append(row(1, 1, long));
    log.flush();
    const [paged] = log.page(compileFilter(''), 1).rows;
    expect(paged).toMatchObject({ cut: true, size: long.length });
    expect(paged!.payload).toHaveLength(4096);
    expect([...log.iterate(compileFilter(''), 10)][0]).toMatchObject({ cut: false, payload: long });
    db.close();
  });
});

describe('TrafficLog.recentOf', () => {
  it("finds a quiet device's newest rows behind any number of a busy one's, newest first, long payloads cut", () => {
    const db = openDatabase(`${tmp.dir}/recent.db`);
    const log = new TrafficLog(db);
    const of = (seq: number, device: string, payload = '{"a":1}'): TrafficRow => ({ ...row(seq, seq, payload), device, from: device });
    const long = `{"long":"${'x'.repeat(5000)}"}`;
    log.append(of(1, 'quiet', long));
    for (let i = 2; i <= 4; i++) log.append(of(i, 'quiet'));
    for (let i = 5; i <= 20_004; i++) log.append(of(i, 'busy'));
    while (log.flush(100_000));
    expect(log.recentOf('quiet', 3).map((r) => r.seq)).toEqual([4, 3, 2]);
    const oldest = log.recentOf('quiet', 10).at(-1)!;
    expect(oldest).toMatchObject({ seq: 1, cut: true, size: long.length });
    expect(oldest.payload).toHaveLength(4096);
    expect(log.recentOf('busy', 2).map((r) => r.seq)).toEqual([20_004, 20_003]);
    expect(log.recentOf('nobody', 5)).toEqual([]);
    db.close();
  });
});

describe('TrafficLog.pageNow and recentNow: the rows not yet written too, without waiting', () => {
  const of = (seq: number, device: string, payload = '{"a":1}'): TrafficRow => ({ ...row(seq, seq, payload), device, from: device });
  const seqsOf = (rows: TrafficRow[]) => rows.map((r) => r.seq);

  it('merges queued rows with stored ones, newest first, filtered, limited, payloads cut', () => {
    const db = openDatabase(`${tmp.dir}/now.db`);
    const log = new TrafficLog(db);
    for (let i = 1; i <= 6; i++) log.append(of(i, i % 2 ? 'odd' : 'even'));
    while (log.flush());
    const long = `{"long":"${'x'.repeat(5000)}"}`;
    log.append(of(7, 'odd', long));
    log.append(of(8, 'even'));
    expect(log.queued).toBe(2);
    expect(log.newest).toBe(8);

    expect(seqsOf(log.pageNow(compileFilter(''), 100).rows)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(seqsOf(log.page(compileFilter(''), 100).rows)).toEqual([6, 5, 4, 3, 2, 1]); // page(): the file only
    expect(seqsOf(log.pageNow(compileFilter('device:odd'), 100).rows)).toEqual([7, 5, 3, 1]);
    expect(seqsOf(log.pageNow(compileFilter(''), 3).rows)).toEqual([8, 7, 6]);
    expect(seqsOf(log.pageNow(compileFilter(''), 3, 7).rows)).toEqual([6, 5, 4]); // older than beforeSeq
    expect(seqsOf(log.recentNow('odd', 2))).toEqual([7, 5]);
    expect(seqsOf(log.recentNow('even', 10))).toEqual([8, 6, 4, 2]);
    const cut = log.recentNow('odd', 1)[0]!;
    expect(cut).toMatchObject({ seq: 7, cut: true, size: long.length });
    expect(cut.payload).toHaveLength(4096);
    expect(log.queued).toBe(2); // nothing was written to answer
    expect(log.countersNow()).toEqual({ logged: 6, shown: 0, dropped: 0, writing: 2 });
    log.flush();
    expect(log.countersNow()).toEqual({ logged: 8, shown: 0, dropped: 0, writing: 0 });
    db.close();
  });

  it('keeps the search bound for the queued rows too', () => {
    const db = openDatabase(`${tmp.dir}/now-scan.db`);
    const log = new TrafficLog(db);
    log.append(row(1, 1, '{"needle":1}'));
    log.flush();
    for (let i = 2; i <= 20; i++) log.append(row(i, i, i === 5 ? '{"needle":2}' : '{"hay":1}'));
    expect(log.pageNow(compileFilter('needle'), 10, undefined, 4096, 10)).toEqual({ rows: [], scanLimitedAt: 11 });
    expect(seqsOf(log.pageNow(compileFilter('needle'), 10, 11, 4096, 10).rows)).toEqual([5, 1]);
    // waiting rows that fill the page make it complete, whatever the file's part stopped at
    expect(log.pageNow(compileFilter('hay'), 2, undefined, 4096, 10)).toEqual({ rows: [expect.objectContaining({ seq: 20 }), expect.objectContaining({ seq: 19 })] });
    db.close();
  });

  it('lists a row found both waiting and in the file once (the writer commits between the two reads)', () => {
    const db = openDatabase(`${tmp.dir}/now-twice.db`);
    const log = new TrafficLog(db);
    for (let i = 1; i <= 3; i++) log.append(of(i, 'd'));
    log.flush();
    log.append(of(3, 'd')); // as if still in flight while already committed
    expect(seqsOf(log.pageNow(compileFilter(''), 10).rows)).toEqual([3, 2, 1]);
    expect(seqsOf(log.recentNow('d', 10))).toEqual([3, 2, 1]);
    db.close();
  });
});

describe('TrafficLog search bound', () => {
  it('stops a filtered search after scanRows rows and says where', () => {
    const db = openDatabase(`${tmp.dir}/scan.db`);
    const log = new TrafficLog(db);
    for (let i = 1; i <= 1000; i++) log.append(row(i, i, i === 10 ? '{"needle":1}' : '{"hay":1}'));
    log.flush();
    const first = log.page(compileFilter('needle'), 10, undefined, 4096, 300);
    expect(first).toEqual({ rows: [], scanLimitedAt: 701 });
    let before = first.scanLimitedAt!;
    let found: number[] = [];
    for (let i = 0; i < 5 && found.length === 0; i++) {
      const next = log.page(compileFilter('needle'), 10, before, 4096, 300);
      found = next.rows.map((r) => r.seq);
      before = next.scanLimitedAt ?? 0;
    }
    expect(found).toEqual([10]);
    expect(log.page(compileFilter(''), 5).scanLimitedAt).toBeUndefined();
    db.close();
  });

  it('takes its default bound from the scanRows option', () => {
    const db = openDatabase(`${tmp.dir}/scan-option.db`);
    const log = new TrafficLog(db, { scanRows: 100 });
    for (let i = 1; i <= 250; i++) log.append(row(i, i));
    log.flush();
    expect(log.page(compileFilter('needle'), 10)).toEqual({ rows: [], scanLimitedAt: 151 });
    expect(log.page(compileFilter('needle'), 10, 151)).toEqual({ rows: [], scanLimitedAt: 51 });
    // the last window reaches the oldest row: no scanLimitedAt, the search is complete
    expect(log.page(compileFilter('needle'), 10, 51)).toEqual({ rows: [] });
    db.close();
  });
});

describe('TrafficLog in a flusher round that rolls back', () => {
  const count = (db: ReturnType<typeof openDatabase>) => (db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
  const setup = (name: string, options: { maxQueue?: number } = {}) => {
    const db = openDatabase(`${tmp.dir}/${name}.db`);
    const log = new TrafficLog(db, options);
    const flusher = new Flusher(db);
    const failing = { on: true };
    flusher.add('traffic', () => log.flush(), (committed) => log.settle(committed));
    // a later task of the same round fails (a full disk, a broken write): the whole round rolls back
    flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    return { db, log, flusher, failing };
  };

  it('puts the rows back and writes them in the next round, counted once', () => {
    const { db, log, flusher, failing } = setup('rollback');
    for (let i = 1; i <= 5; i++) log.append(row(i, i));
    flusher.flush();
    expect(flusher.lastError?.message).toBe('disk I/O error');
    expect(count(db)).toBe(0);
    expect(log.counters).toMatchObject({ logged: 0, dropped: 0 });
    expect(log.queued).toBe(5);
    expect(log.storedBytes).toBe(0);
    expect(log.storedRows()).toBe(0);

    log.append(row(6, 6));
    failing.on = false;
    flusher.flush();
    expect(log.page(compileFilter(''), 10).rows.map((r) => r.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(log.counters).toMatchObject({ logged: 6, dropped: 0 });
    expect(log.queued).toBe(0);
    expect(log.storedRows()).toBe(6);
    expect(log.storedBytes).toBe((db.prepare('SELECT sum(bytes) AS b FROM traffic').get() as { b: number }).b);
    db.close();
  });

  it('keeps its queue bounded while rounds keep failing: the queued rows stay, new ones past the bound are dropped, counted', () => {
    const { db, log, flusher, failing } = setup('rollback-bound', { maxQueue: 4 });
    for (let i = 1; i <= 4; i++) log.append(row(i, i));
    for (let round = 0; round < 3; round++) flusher.flush();
    expect(log.queued).toBe(4);
    for (let i = 5; i <= 6; i++) log.append(row(i, i));
    expect(log.counters).toMatchObject({ logged: 0, dropped: 2 });
    failing.on = false;
    flusher.flush();
    expect(count(db)).toBe(4);
    expect(log.counters).toMatchObject({ logged: 4, dropped: 2 });
    db.close();
  });
});
