/**
 * Child process for crash.test.ts: a hub whose traffic writer thread dies or hangs inside a
 * commit while a settings save (an exclusive() write) waits for it. Prints one JSON line with what
 * came of it, then CLOSED once hub.close() resolved. Run in a child so that a wait that never ends
 * fails the test (by its time limit) instead of blocking the test runner's event loop for good.
 *
 *   terminate  the thread is killed with worker.terminate() mid-commit: no code of it runs, no
 *              event reaches the waiting loop (the writer has to find out by the time)
 *   exit       the thread calls process.exit() inside its commit while the save waits (a test hook)
 *   hang       the thread never finishes its commit (a test hook)
 */
import type { Worker } from 'node:worker_threads';
import { Command } from '../../../shared/protocol/constants';
import { KeyValue, openDatabase } from '../db';
import { Hub } from '../hub';
import { SettingsStore } from '../settings';
import { SqliteTokenStore } from '../token-store';
import * as writerModule from '../traffic-writer';
import { StandInBroker } from './stand-in-broker';

const [dbPath, mode, answerMs] = process.argv.slice(2) as [string, 'terminate' | 'exit' | 'hang', string];
if (mode !== 'terminate') writerModule.writerTestHooks.inCommit = mode;

const db = openDatabase(dbPath);
const broker = new StandInBroker();
const settings = new SettingsStore(new KeyValue(db));
const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings, writeTrafficInWorker: true, trafficWriterAnswerMs: Number(answerMs), checkpointEveryMs: 0, flushMs: 3_600_000 });
hub.start();
let appended = 0;
const frames = (n: number, pad: number) => {
  for (let i = 0; i < n; i++, appended++) {
    const payload = Buffer.from(`{"targetId":"server","payload":{"n":${appended},"pad":"${'x'.repeat(pad)}"}}`);
    broker.emit('frame', { ts: Date.now(), dir: 'in', device: `d-${appended % 20}`, from: `d-${appended % 20}`, to: 'server', cmd: Command.JSON_MESSAGE, msgId: appended & 0xffff, size: payload.length, status: 200, payload });
  }
};

// A backlog in groups of about a megabyte, so the thread is inside a commit for a while; found
// there when holdWriter() says it is writing (the gate request stands: the save below waits for it).
frames(10_000, 1_000);
hub.log.flush(10_000, Infinity);
let inCommit = false;
for (const until = performance.now() + 10_000; !inCommit && performance.now() < until; ) {
  inCommit = !hub.log.holdWriter();
  if (!inCommit) hub.log.exclusive(() => {});
}
if (mode === 'terminate') void (hub.log as unknown as { writer: { worker: Worker } }).writer.worker.terminate();
const t0 = performance.now();
settings.save({ retentionDays: 3 });
const waitedMs = performance.now() - t0;

// the panel goes on: the thread's 'exit' arrives, rounds write inline, the hub says what happened
await new Promise((resolve) => setTimeout(resolve, 100));
frames(500, 10);
hub.flusher.flushAll();
hub.tick();
const stored = (db.prepare('SELECT count(*) AS n, coalesce(max(seq), 0) AS hi FROM traffic').get() as { n: number; hi: number });
process.stdout.write(
  `${JSON.stringify({
    inCommit,
    waitedMs,
    saved: settings.get().retentionDays,
    appended,
    counters: hub.log.countersNow(),
    queued: hub.log.queued,
    stored: stored.n,
    storedRows: hub.log.storedRows(),
    newest: stored.hi,
    writer: hub.log.writerState(),
    notices: hub.takeDelta().notices.map((n) => `${n.level}: ${n.text}`),
  })}\n`,
);
await hub.close();
db.close();
process.stdout.write('CLOSED\n');
process.exit(0);
