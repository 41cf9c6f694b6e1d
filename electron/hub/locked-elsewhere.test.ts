import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { Command } from '../../shared/protocol/constants';
import { eventually } from '../broker/testing/fixtures';
import { KeyValue, openDatabase } from './db';
import { lockedElsewhereSince } from './db-lock';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';
import { compileFilter } from './traffic-filter';
import { TrafficLog } from './traffic-log';

const holder = fileURLToPath(new URL('./testing/lock-holder.ts', import.meta.url));
const tmp = tempDir('hypertcp-locked-');
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => tmp.cleanup());

/** Another process holds the write lock (BEGIN IMMEDIATE) until release(); it lets go by itself after 20 s. */
async function holdLock(path: string): Promise<{ release: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, path, '20000'], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lock holder never took the lock')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'LOCKED') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error('the lock holder exited before taking the lock')));
  });
  return {
    release: async () => {
      child.stdin!.write('release\n');
      await exited;
      children.delete(child);
    },
  };
}

/** The event loop's worst lateness (ms) for a 10 ms timer, from now until stop(). */
function watchLoop(): { stop: () => number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  return { stop: () => (clearInterval(timer), worst) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timed = (fn: () => void): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
const row = (seq: number): TrafficRow => ({ seq, ts: seq, dir: 'in', device: 'd', from: 'd', to: 'server', cmd: 30, msgId: seq, size: 7, status: 200, payload: '{"a":1}', cut: false });
const seqs = (log: TrafficLog) => log.page(compileFilter(''), 100_000).rows.map((r) => r.seq).sort((a, b) => a - b);
const count = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the traffic writer thread while another process holds the write lock', () => {
  it('is not taken for hung: it keeps the rows, the event loop stays free, and all of them go in once the lock is let go', async () => {
    const path = `${tmp.dir}/writer.db`;
    const db = openDatabase(path);
    const kv = new KeyValue(db);
    const log = new TrafficLog(db, { writeInWorker: true, writerAnswerMs: 1_000 });
    let seq = 0;
    // as the hub's timed rounds do: rows handed to the thread, a few at a time
    const traffic = (n: number) => {
      for (let i = 0; i < n; i++) log.append(row(++seq));
      log.flush(10_000, performance.now() + 1);
    };
    traffic(10);
    log.drain();
    const lock = await holdLock(path);
    const loop = watchLoop();
    for (const until = performance.now() + 2_500; performance.now() < until; await sleep(50)) traffic(40);
    // more than twice the answer time without a batch done, and the thread is still the writer
    expect(log.writerState()).toMatchObject({ mode: 'thread', failure: null });
    expect(log.writerLockedSince()).not.toBeNull();
    expect(log.countersNow()).toMatchObject({ logged: 10, dropped: 0, writing: seq - 10 });
    // flushAll's unbounded rounds (each export or backup tried meanwhile) hand it no more than the
    // timed rounds do (MAX_POSTED_BATCHES of POST_ROWS): the rest waits in the bounded queue
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 5_000; k++) log.append(row(++seq));
      log.flush(100_000, Infinity);
    }
    expect(log.writerState().inFlight).toBeLessThanOrEqual(80 * 128);
    expect(log.countersNow()).toMatchObject({ logged: 10, dropped: 0, writing: seq - 10 });
    // a reader that waits for the thread (export, backup) is told at once that it cannot
    expect(timed(() => log.drain())).toBeLessThan(500);
    // a write of this thread's connection fails at once, and says why
    expect(timed(() => expect(() => kv.set('k', 'v')).toThrow(/locked by another program/))).toBeLessThan(200);
    expect(loop.stop()).toBeLessThan(300);

    await lock.release();
    await eventually(() => (log.flush(10_000, performance.now() + 5), log.counters.logged === seq), 5_000, 'every row kept written');
    expect(seqs(log)).toEqual(count(seq));
    expect(log.countersNow()).toMatchObject({ dropped: 0, writing: 0 });
    expect(log.writerLockedSince()).toBeNull();
    kv.set('k', 'v');
    expect(kv.get('k')).toBe('v');
    await log.close();
    db.close();
  }, 30_000);
});

describe('the hub while another process holds the write lock', () => {
  const frame = (broker: StandInBroker, n: number) => {
    const payload = Buffer.from(`{"targetId":"server","payload":{"n":${n}}}`);
    broker.emit('frame', { ts: Date.now(), dir: 'in', device: 'd', from: 'd', to: 'server', cmd: Command.JSON_MESSAGE, msgId: n & 0xffff, size: payload.length, status: 200, payload });
  };
  const notices = (hub: Hub) => hub.takeDelta().notices.map((n) => `${n.level}: ${n.text}`);

  it('with its writer thread: says the database is locked, and when it is let go; nothing is lost, the loop is not held', async () => {
    const path = `${tmp.dir}/hub.db`;
    const db = openDatabase(path);
    // the one write of this connection that meets the lock before the thread has said so waits this
    // long in SQLite's busy handler (2 s in the app): short here, so the loop's lateness tells the rest
    db.pragma('busy_timeout = 200');
    const broker = new StandInBroker();
    const settings = new SettingsStore(new KeyValue(db));
    const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings, writeTrafficInWorker: true, trafficWriterAnswerMs: 1_000, checkpointEveryMs: 0, flushMs: 50 });
    hub.start();
    let n = 0;
    for (; n < 20; ) frame(broker, ++n);
    hub.flusher.flushAll();
    expect(hub.log.counters.logged).toBe(20);
    notices(hub);

    const lock = await holdLock(path);
    const loop = watchLoop();
    for (const until = performance.now() + 2_500; performance.now() < until; await sleep(50)) for (let i = 0; i < 40; i++) frame(broker, ++n);
    hub.tick();
    hub.tick();
    const said = notices(hub);
    expect(said.filter((t) => t.includes('traffic log:'))).toEqual([]); // not a hung thread
    expect(said.filter((t) => t.startsWith('warn: database: locked by another program'))).toHaveLength(1);
    expect(timed(() => expect(() => settings.save({ retentionDays: 3 })).toThrow(/locked by another program/))).toBeLessThan(200);
    expect(loop.stop()).toBeLessThan(500);
    expect(hub.log.writerState()).toMatchObject({ mode: 'thread', failure: null });
    expect(hub.log.countersNow()).toMatchObject({ logged: 20, dropped: 0, writing: n - 20 });

    await lock.release();
    await eventually(() => hub.log.counters.logged === n, 5_000, 'every row kept written');
    hub.tick();
    expect(notices(hub)).toEqual([expect.stringMatching(/^info: database: the other program let go of its lock after \d+ s; what waited is being written$/)]);
    expect((db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n).toBe(n);
    settings.save({ retentionDays: 3 });
    await hub.close();
    db.close();
  }, 30_000);

  it('writing on the event loop: one write waits the busy timeout, the next ones fail at once with a clear error; all goes in after', async () => {
    const path = `${tmp.dir}/inline.db`;
    const db = openDatabase(path);
    db.pragma('busy_timeout = 300'); // the app's 2 s, shorter here
    const broker = new StandInBroker();
    const settings = new SettingsStore(new KeyValue(db));
    const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings, checkpointEveryMs: 0, flushMs: 3_600_000 });
    hub.start();
    broker.emit('session:open', { id: 'd', address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: Date.now(), rttMs: 3 });
    hub.flusher.flushAll();
    const lock = await holdLock(path);
    let n = 0;
    for (; n < 50; ) frame(broker, ++n);
    const first = timed(() => hub.flusher.flush());
    expect(first).toBeGreaterThanOrEqual(250); // SQLite's busy handler: bounded by the busy timeout
    expect(first).toBeLessThan(1_000);
    expect(hub.flusher.lastError?.message).toMatch(/^the database is locked by another program/);
    expect(lockedElsewhereSince(db)).not.toBeNull();
    // rounds and saves go on failing while it holds the lock, each at once
    for (let i = 0; i < 5; i++) {
      frame(broker, ++n);
      expect(timed(() => hub.flusher.flush())).toBeLessThan(50);
    }
    expect(timed(() => expect(() => settings.save({ retentionDays: 3 })).toThrow(/locked by another program/))).toBeLessThan(50);
    expect(settings.get().retentionDays).not.toBe(3); // not saved: not shown as saved either
    // a command sent and an admin action happened: their records wait instead of failing them
    expect(timed(() => {
      hub.commands.addHistory({ ts: 1, target: 'd', payload: '{"relay1":true}', status: 'sent', error: null });
      hub.commands.audit('token.create', 'd');
    })).toBeLessThan(50);
    expect(hub.log.queued).toBe(n); // kept for the next round
    // a chart, which writes what waits before it reads, shows what the file has instead of failing
    hub.telemetry.record('d', 'temp', 21.5, Date.now() - 120_000);
    expect(() => hub.metrics.query(undefined, '24h')).not.toThrow();
    expect(hub.telemetry.query('d', ['temp'], '24h', Date.now())).toEqual([]);
    // forgetting a device fails whole: it is still listed, as it is still in the file
    expect(() => hub.forgetDevice('d')).toThrow(/locked by another program/);
    expect(hub.registry.get('d')).not.toBeNull();
    await sleep(1_000);
    hub.tick();
    expect(notices(hub).filter((t) => t.includes('locked by another program'))).toHaveLength(1);

    await lock.release();
    hub.flusher.flushAll();
    expect(hub.log.countersNow()).toMatchObject({ logged: n, dropped: 0, writing: 0 });
    expect(lockedElsewhereSince(db)).toBeNull();
    expect(db.pragma('busy_timeout', { simple: true })).toBe(300); // given back
    expect(hub.commands.history(10)).toEqual([{ ts: 1, target: 'd', payload: '{"relay1":true}', status: 'sent', error: null }]);
    expect(hub.commands.auditLog(10)).toMatchObject([{ action: 'token.create', target: 'd' }]);
    expect(hub.telemetry.query('d', ['temp'], '24h', Date.now())).toHaveLength(1);
    expect(hub.forgetDevice('d')).toBe(true);
    settings.save({ retentionDays: 3 });
    hub.tick();
    expect(notices(hub)).toEqual([expect.stringMatching(/^info: database: the other program let go/)]);
    await hub.close();
    db.close();
  }, 30_000);
});
