import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { eventually } from '../broker/testing/fixtures';
import { Command } from '../../shared/protocol/constants';
import { KeyValue, openDatabase } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { SqliteTokenStore } from './token-store';
import { compileFilter } from './traffic-filter';
import { TrafficLog } from './traffic-log';
import { WRITER_NICE_STEPS, writerTestHooks } from './traffic-writer';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-writer-');
afterAll(() => tmp.cleanup());

const row = (seq: number, device = 'd', payload = '{"a":1}'): TrafficRow => ({ seq, ts: seq, dir: 'in', device, from: device, to: 'server', cmd: 30, msgId: seq, size: payload.length, status: 200, payload, cut: false });
const seqs = (log: TrafficLog) => log.page(compileFilter(''), 100_000).rows.map((r) => r.seq).sort((a, b) => a - b);
const count = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

describe('traffic rows written by a worker thread', () => {
  it('writes what the rounds hand over, in order, off this thread; counts and stored bytes follow', async () => {
    const db = openDatabase(`${tmp.dir}/w.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    const inline = new TrafficLog(openDatabase(`${tmp.dir}/inline.db`));
    for (let i = 1; i <= 3_000; i++) {
      log.append(row(i));
      inline.append(row(i));
    }
    // a timed round hands rows over; the worker writes them while this thread goes on
    log.flush(10_000, performance.now() + 1_000);
    expect(log.queued).toBe(0);
    await eventually(() => (log.flush(0, 0), log.counters.logged === 3_000), 5_000, 'the worker wrote every row');
    expect(seqs(log)).toEqual(count(3_000));
    while (inline.flush());
    expect(log.storedBytes).toBe(inline.storedBytes);
    expect(log.storedRows()).toBe(3_000);
    await log.close();
    db.close();
  });

  it('stores every field as the inline path does: nulls, empty and non-ASCII text, cut rows', async () => {
    const odd: TrafficRow[] = [
      { ...row(1), from: null, to: null, status: null },
      { ...row(2, 'dev-é'), payload: '{"t":"🌡️ 21,5 °C","q":"\\"x\\""}', size: 40 },
      { ...row(3), payload: '', size: 0, dir: 'out', cmd: 0, msgId: 0 },
      { ...row(4), payload: 'ab'.repeat(3_000), size: 100_000, cut: true, status: 413 },
      { ...row(5, ''), from: '', to: 'broadcast' },
    ];
    const written = new TrafficLog(openDatabase(`${tmp.dir}/fields.db`), { writeInWorker: true });
    const inline = new TrafficLog(openDatabase(`${tmp.dir}/fields-inline.db`));
    for (const r of odd) {
      written.append({ ...r });
      inline.append({ ...r });
    }
    written.flush(100, Infinity);
    written.drain();
    while (inline.flush());
    const all = (log: TrafficLog) => log.page(compileFilter(''), 100, undefined, Infinity).rows;
    expect(all(written)).toEqual(all(inline));
    expect(all(written)).toEqual([...odd].reverse());
    expect(written.storedBytes).toBe(inline.storedBytes);
    await written.close();
  });

  const linux = process.platform === 'linux';
  if (!linux) console.log('skipped: the writer thread runs below the event loop only on Linux, where nice is per thread');
  it.runIf(linux)('runs its thread, named traffic-writer, WRITER_NICE_STEPS below the event loop (Linux: nice per thread)', async () => {
    const niceOf = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16]);
    const tasks = () => new Set(readdirSync('/proc/self/task'));
    const base = niceOf(String(process.pid));
    const before = tasks();
    const db = openDatabase(`${tmp.dir}/nice.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    log.append(row(1));
    log.flush(10, Infinity);
    log.drain(); // the worker has opened the database and written: it has set its priority
    const lowered = [...tasks()].filter((t) => !before.has(t) && niceOf(t) === Math.min(19, base + WRITER_NICE_STEPS));
    expect(lowered).toHaveLength(1);
    expect(niceOf(String(process.pid))).toBe(base);
    // and named (Node 24 gives a worker's OS thread its name; 22, Electron's, does not)
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    if (nodeMajor >= 24) expect(readFileSync(`/proc/self/task/${lowered[0]}/comm`, 'utf8').trim()).toBe('traffic-writer');
    else console.log(`the writer thread's name not checked: Node ${process.versions.node} does not name a worker's OS thread`);
    await log.close();
    db.close();
  });

  it('an unbounded round (flushAll) returns once every row is in the file', async () => {
    const db = openDatabase(`${tmp.dir}/all.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    for (let i = 1; i <= 5_000; i++) log.append(row(i));
    while (log.flush(2_000, Infinity));
    log.drain();
    expect(log.counters).toMatchObject({ logged: 5_000, dropped: 0 });
    expect(seqs(log)).toHaveLength(5_000);
    await log.close();
    db.close();
  });

  it('a batch the worker cannot write is counted as dropped, and later batches still go in', async () => {
    const db = openDatabase(`${tmp.dir}/fail.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    log.append(row(1));
    log.flush(10, Infinity);
    log.drain();
    log.append(row(1)); // seq 1 again: the primary key refuses it, and its batch with it
    log.append(row(2));
    log.flush(10, Infinity);
    log.drain();
    log.append(row(3));
    log.flush(10, Infinity);
    log.drain();
    expect(log.counters).toMatchObject({ logged: 2, dropped: 2 });
    expect(seqs(log)).toEqual([1, 3]);
    // the lost seq 2 is a hole: stored rows are still counted right
    expect(log.storedRows()).toBe(2);
    await log.close();
    db.close();
  });

  it('batches that reach the worker within GROUP_MS go in one transaction, without anyone asking', async () => {
    const db = openDatabase(`${tmp.dir}/group.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    for (let i = 1; i <= 300; i++) log.append(row(i, `dev-${i % 7}`));
    log.flush(10_000, performance.now() + 1_000); // three batches (128, 128, 44)
    expect(log.writerState().inFlight).toBe(300);
    await eventually(() => (log.flush(0, 0), log.counters.logged === 300), 5_000, 'the group was committed on its timer');
    expect(log.writerCommits).toBe(1);
    expect(seqs(log)).toEqual(count(300));
    await log.close();
    db.close();
  });

  it('a batch refused inside a group loses only its own rows: the others are written on their own', async () => {
    const db = openDatabase(`${tmp.dir}/group-fail.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    log.append(row(1));
    log.flush(10, Infinity);
    log.drain();
    for (let i = 2; i <= 129; i++) log.append(row(i)); // batch A: 128 good rows
    log.append(row(1)); // batch B: seq 1 again, refused by the primary key, with 127 good rows
    for (let i = 130; i <= 256; i++) log.append(row(i));
    for (let i = 257; i <= 300; i++) log.append(row(i)); // batch C: 44 good rows
    log.flush(10_000, Infinity);
    log.drain();
    expect(log.counters).toMatchObject({ logged: 1 + 128 + 44, dropped: 128 });
    expect(seqs(log)).toEqual([...count(129), ...count(44, 257)]);
    expect(log.storedRows()).toBe(173);
    await log.close();
    db.close();
  });

  it("dropping a device's queued rows lets the rows already with the worker in first, so a delete sees them", async () => {
    const db = openDatabase(`${tmp.dir}/forget.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    for (let i = 1; i <= 600; i++) log.append(row(i, i % 2 ? 'gone' : 'kept'));
    log.flush(512, performance.now() + 1_000); // 512 handed over, 88 still queued
    expect(log.dropQueued('gone')).toBe(44);
    expect(log.deleteDevice('gone', 600, 10_000).deleted).toBe(256);
    log.flush(10_000, Infinity);
    log.drain();
    expect(seqs(log)).toEqual(count(300).map((i) => i * 2));
    await log.close();
    db.close();
  });

  it('pageNow and recentNow list the rows with the worker without waiting for it; a failed batch drops out', async () => {
    const db = openDatabase(`${tmp.dir}/now.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    const now = (query = '') => log.pageNow(compileFilter(query), 1_000).rows.map((r) => r.seq);
    log.append(row(1, 'a'));
    log.flush(10, Infinity);
    log.drain();
    log.exclusive(() => {
      for (let i = 2; i <= 300; i++) log.append(row(i, i % 2 ? 'a' : 'b'));
      log.flush(256, performance.now() + 1_000); // 256 handed over, held at the gate; 43 still queued
      expect(log.queued).toBe(43);
      expect(log.writerState().inFlight).toBe(256);
      expect(log.countersNow()).toMatchObject({ logged: 1, dropped: 0, writing: 299 }); // queued and in flight
      // inside exclusive() a wait for the worker would throw: these read without one
      expect(now()).toEqual(count(300).reverse());
      expect(now('device:b')).toEqual(count(150).map((i) => i * 2).reverse());
      expect(log.recentNow('a', 3).map((r) => r.seq)).toEqual([299, 297, 295]);
      expect(seqs(log)).toEqual([1]); // the file has only the first
    });
    log.flush(10_000, Infinity);
    log.drain();
    expect(now()).toEqual(count(300).reverse());
    expect(seqs(log)).toEqual(count(300));
    expect(log.countersNow()).toMatchObject({ logged: 300, dropped: 0, writing: 0 });

    log.append(row(300)); // refused by the primary key: its batch is lost, counted dropped
    log.append(row(301));
    log.flush(10, Infinity);
    log.drain();
    expect(log.countersNow()).toMatchObject({ logged: 300, dropped: 2, writing: 0 }); // lost, not being written
    expect(now().slice(0, 2)).toEqual([300, 299]);
    await log.close();
    db.close();
  });

  it("holds the writer between batches while this thread's connection writes (exclusive), and goes on after", async () => {
    const db = openDatabase(`${tmp.dir}/gate.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    log.exclusive(() => {
      for (let i = 1; i <= 300; i++) log.append(row(i));
      log.flush(10_000, performance.now() + 1_000); // handed over, but the worker waits at the gate
      const until = performance.now() + 100;
      while (performance.now() < until); // the worker would write 300 rows in far less
      // this connection can write meanwhile: no busy wait, no "database is locked"
      db.prepare("INSERT INTO kv (key, value) VALUES ('gate-test', 'x')").run();
      expect((db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n).toBe(0);
      expect(() => log.drain()).toThrow(/inside exclusive/);
    });
    log.drain();
    expect(log.counters).toMatchObject({ logged: 300, dropped: 0 });
    await log.close();
    db.close();
  });

  it('holdWriter says when the worker is in a batch; that batch ends, the next waits until this thread has written', async () => {
    const db = openDatabase(`${tmp.dir}/hold.db`);
    const log = new TrafficLog(db, { writeInWorker: true });
    const stored = () => (db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
    for (let i = 1; i <= 40_000; i++) log.append(row(i));
    log.flush(40_000, Infinity); // 313 batches of 128 rows, written one after another
    let inBatch = false;
    for (const until = performance.now() + 5_000; !inBatch && performance.now() < until; ) {
      inBatch = !log.holdWriter();
      if (!inBatch) log.exclusive(() => {}); // it was between batches: let it go on
    }
    expect(inBatch).toBe(true);
    await eventually(() => log.holdWriter()); // the batch ended without blocking this thread
    const held = stored();
    await new Promise((r) => setTimeout(r, 50));
    expect(stored()).toBe(held); // the worker waits at the gate
    expect(held).toBeLessThan(40_000);
    log.exclusive(() => db.prepare("INSERT INTO kv (key, value) VALUES ('hold-test', 'x')").run());
    log.drain(); // the gate opened after exclusive(): the rest goes in
    expect(stored()).toBe(40_000);
    await log.close();
    db.close();
  });

  it('a writer that cannot open the database is let go: what it held counts as dropped, rows go in inline after', async () => {
    const path = `${tmp.dir}/gone.db`;
    const db = openDatabase(path);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true }); // this connection keeps its open file
    const log = new TrafficLog(db, { writeInWorker: true });
    for (let i = 1; i <= 300; i++) log.append(row(i));
    log.flush(10_000, Infinity);
    log.drain();
    expect(log.writerFailure).toMatch(/could not open/);
    for (let i = 301; i <= 350; i++) log.append(row(i));
    log.flush(10_000, Infinity);
    expect(log.counters.logged + log.counters.dropped).toBe(350);
    expect(log.counters.logged).toBeGreaterThanOrEqual(50);
    expect(seqs(log).slice(-50)).toEqual(count(50, 301));
    await log.close();
    db.close();
  });

  it('a writer thread that hangs inside its commit is stopped after its answer time: drain and close return, what it held counts as dropped', async () => {
    const db = openDatabase(`${tmp.dir}/hang.db`);
    writerTestHooks.inCommit = 'hang';
    const log = new TrafficLog(db, { writeInWorker: true, writerAnswerMs: 300 });
    writerTestHooks.inCommit = null;
    for (let i = 1; i <= 300; i++) log.append(row(i));
    log.flush(10_000, Infinity);
    const t0 = performance.now();
    await log.close(); // drain() waits for it first (it failed then: close() still stops it)
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(log.writerFailure).toBe('the writer thread did not finish a batch in 0.3 s and was stopped');
    expect(log.counters).toMatchObject({ logged: 0, dropped: 300 });
    expect(log.writerLost).toBe(300);
    expect(seqs(log)).toEqual([]); // its transaction was rolled back with the thread
    db.close();
  });

  it('the hub tells the UIs once when its traffic writer thread is gone', async () => {
    const path = `${tmp.dir}/hub-gone.db`;
    const db = openDatabase(path);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    const broker = new StandInBroker();
    const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), writeTrafficInWorker: true, checkpointEveryMs: 0 });
    hub.start();
    const payload = Buffer.from('{"targetId":"server","payload":{"n":1}}');
    broker.emit('frame', { ts: Date.now(), dir: 'in', device: 'd', from: 'd', to: 'server', cmd: Command.JSON_MESSAGE, msgId: 1, size: payload.length, status: 200, payload });
    hub.flusher.flushAll();
    hub.tick();
    hub.tick();
    const warnings = hub.takeDelta().notices.filter((n) => n.text.startsWith('traffic log:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn' });
    expect(warnings[0]!.text).toMatch(/could not open the database; rows are written on the main thread/);
    await hub.close();
    db.close();
  });
});

