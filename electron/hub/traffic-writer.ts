import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { TrafficRow } from '../../shared/api/contract';
import { columnBoundsSql, WAL_SIZE_LIMIT_BYTES, type Db } from './db';

/**
 * What the worker has done, read by the event loop whenever it likes (shared memory). Its write
 * errors' text comes as a message instead (writeError): strings do not fit the shared Int32s.
 */
export interface TrafficWriterTotals {
  rows: number;
  bytes: number;
  /** Rows of batches whose transaction failed (rolled back): lost, to be counted as dropped. */
  failedRows: number;
  /** Transactions committed: one per group of batches (GROUP_ROWS, GROUP_MS). */
  commits: number;
}

// Layout of the shared memory: Int32s for the batches done (bumped by a group's batches and notified
// after its COMMIT), the event loop's wish to write (GATE), the worker being in a write (WRITING),
// its end (FAILED: 1 it could not start, 2 it exited, with EXIT_CODE), the batches the totals count
// (COUNTED: bumped with them, before DONE), whether its last try found the write lock held by
// another program (LOCKED) and its tries meanwhile (TRIES: a waiting thread is alive, see stalled);
// then the totals as Float64s (TrafficWriterTotals' order), written before the bumps (Atomics
// orders them for whoever reads a bump).
const DONE = 0;
const GATE = 1;
const WRITING = 2;
const FAILED = 3;
const EXIT_CODE = 4;
const COUNTED = 5;
const LOCKED = 6;
const TRIES = 7;
const CTL = 8;
const TOTALS_AT = CTL * 4;
const TOTALS = 4;

/**
 * How long the worker may have batches without finishing one (the gate open) before it counts as
 * hung: it is stopped, its rows in flight are counted as dropped, and rows are written on the event
 * loop from then on (TrafficLog). A group commits in milliseconds; past this something holds it (a
 * thread stuck, or killed inside its transaction where no event can reach a waiting loop). It is
 * also the longest exclusive() blocks the event loop for a worker that never answers.
 */
export const WRITER_ANSWER_MS = 10_000;
/**
 * Another program holding the database's write lock (a sqlite3 shell in a transaction, a backup
 * tool, a second copy of the app) is not a hung thread: the worker waits at most WRITER_BUSY_MS
 * for it at a BEGIN (the event loop may be waiting at the gate meanwhile), keeps its batches, says
 * so (LOCKED) and tries again every LOCK_RETRY_MS, each try a sign of life; the event loop stops
 * handing it rows past MAX_POSTED_BATCHES (TrafficLog), where the queue's bounds hold.
 */
export const WRITER_BUSY_MS = 50;
export const LOCK_RETRY_MS = 200;
/** How long close() waits for the worker to stop at most (it is terminated after 2 s). */
const CLOSE_MS = 5_000;

/**
 * Tests only: makes the worker hang inside its transaction (after its INSERTs, before the COMMIT),
 * or exit there (process.exit(7)) 200 ms after the event loop asked for the gate (it then waits for
 * this commit), as a thread stuck or ending mid-commit would; `maxPageCount` caps the file on the
 * worker's connection (PRAGMA max_page_count), so its writes fail as on a full disk. Read when a writer starts.
 */
export const writerTestHooks: { inCommit: 'hang' | 'exit' | null; maxPageCount: number | null } = { inCommit: null, maxPageCount: null };

/**
 * A batch crosses to the worker packed: one Float64Array of numbers and string lengths per row, and
 * one string of the row's strings back to back, sliced again by those lengths. Cloning 128 row
 * objects cost about 3x as much, on the event loop the broker shares (a CPU profile of the whole
 * host at 5 k msg/s had ~10 % of its busy time in postMessage). Per row: seq, ts, cmd, msgId, size,
 * status (NaN for null), cut, then the lengths of dir, device, from, to (-1 for null) and payload.
 */
const FIELDS = 12;
interface PackedRows {
  numbers: Float64Array<ArrayBuffer>;
  text: string;
}

function packRows(rows: TrafficRow[]): PackedRows {
  const numbers = new Float64Array(rows.length * FIELDS);
  let text = '';
  for (let i = 0, o = 0; i < rows.length; i++, o += FIELDS) {
    const r = rows[i]!;
    numbers[o] = r.seq;
    numbers[o + 1] = r.ts;
    numbers[o + 2] = r.cmd;
    numbers[o + 3] = r.msgId;
    numbers[o + 4] = r.size;
    numbers[o + 5] = r.status ?? NaN;
    numbers[o + 6] = r.cut ? 1 : 0;
    numbers[o + 7] = r.dir.length;
    numbers[o + 8] = r.device.length;
    numbers[o + 9] = r.from === null ? -1 : r.from.length;
    numbers[o + 10] = r.to === null ? -1 : r.to.length;
    numbers[o + 11] = r.payload.length;
    text += r.dir + r.device + (r.from ?? '') + (r.to ?? '') + r.payload;
  }
  return { numbers, text };
}

/**
 * How much lower the worker's scheduling priority is than the event loop's (Linux nice steps).
 * Woken for every batch at the same priority, it preempted the loop on its core: a CPU profile of
 * the whole host at 5 k msg/s had ~7 % of the loop's busy time inside postMessage, and none at +10.
 * Linux keeps a nice value per thread; elsewhere it is the whole process's, so it is left alone.
 */
export const WRITER_NICE_STEPS = 10;

/**
 * The worker commits the batches that reach it within GROUP_MS (or GROUP_ROWS rows, sooner) in one
 * transaction: a COMMIT writes every page the transaction touched, and the (device, seq) index
 * gets about one page per device per COMMIT whatever the rows: at 10 k rows/s over 100 devices the
 * thread took 23 % of a core committing each batch, 13 % in groups (docs/BENCHMARKS.md, "an
 * eleventh session"). waitIdle() and close() do not wait for the timer: they ask for the group at
 * once.
 */
export const GROUP_MS = 100;
export const GROUP_ROWS = 1024;

// The worker's own connection writes batches in transactions (GROUP_MS), with the same bookkeeping as
// TrafficLog.tracked(): the seqs inside the stored range that have no row ("holes", rows numbered
// but never written) are kept in kv so that stored rows are counted from two index lookups.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.shared, 0, ${CTL});
const totals = new Float64Array(workerData.shared, ${TOTALS_AT}, ${TOTALS});
// However the thread ends short of a hard kill (process.exit, an uncaught error, 'close'), the event
// loop learns it here, also while it blocks on the shared memory (exclusive, waitIdle): no event
// reaches it then. A terminate() runs nothing: that one the loop finds by the time (WRITER_ANSWER_MS).
process.on('exit', (code) => {
  Atomics.store(ctl, ${EXIT_CODE}, code);
  Atomics.compareExchange(ctl, ${FAILED}, 0, 2);
  Atomics.notify(ctl, ${WRITING});
  Atomics.notify(ctl, ${DONE});
});
let db;
try {
  db = new (require(workerData.sqlite))(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = ${WRITER_BUSY_MS}');
  // per connection: a WAL this connection resets after a checkpoint is cut back too (db.ts)
  db.pragma('journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}');
  if (workerData.maxPageCount !== null) db.pragma('max_page_count = ' + workerData.maxPageCount);
} catch (err) {
  Atomics.store(ctl, ${FAILED}, 1);
  Atomics.notify(ctl, ${DONE});
  throw err;
}
if (process.platform === 'linux') {
  const os = require('node:os');
  try { os.setPriority(0, Math.min(19, os.getPriority(0) + ${WRITER_NICE_STEPS})); } catch {} // background work; a refusal changes nothing else
}
const insert = db.prepare(workerData.insertSql);
const bounds = db.prepare(${JSON.stringify(columnBoundsSql('traffic', 'seq'))});
const getKv = db.prepare('SELECT value FROM kv WHERE key = ?');
const setKv = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
const span = () => { const b = bounds.get(); return b.lo === null || b.hi === null ? 0 : b.hi - b.lo + 1; };
// unpacks what packRows() packed, straight into the INSERT's parameters
const write = db.transaction(({ numbers: n, text }) => {
  const spanBefore = span();
  const holesBefore = Math.max(0, Number(getKv.get(workerData.holesKey)?.value ?? 0) || 0);
  let bytes = 0;
  let at = 0;
  const next = (len) => (len < 0 ? null : text.slice(at, (at += len)));
  for (let o = 0; o < n.length; o += ${FIELDS}) {
    const dir = next(n[o + 7]), device = next(n[o + 8]), from = next(n[o + 9]), to = next(n[o + 10]), payload = next(n[o + 11]);
    const b = payload.length + workerData.rowOverhead;
    insert.run(n[o], n[o + 1], dir, device, from, to, n[o + 2], n[o + 3], n[o + 4], Number.isNaN(n[o + 5]) ? null : n[o + 5], payload, n[o + 6], b);
    bytes += b;
  }
  if (workerData.inCommit === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  if (workerData.inCommit === 'exit') {
    while (Atomics.load(ctl, ${GATE}) === 0) Atomics.wait(ctl, ${GATE}, 0, 10);
    Atomics.wait(ctl, ${DONE}, Atomics.load(ctl, ${DONE}), 200);
    process.exit(7);
  }
  const rows = n.length / ${FIELDS};
  const holes = Math.max(0, span() - (spanBefore - Math.min(spanBefore, holesBefore) + rows));
  if (holes !== holesBefore) setKv.run(workerData.holesKey, String(holes));
  return bytes;
});
// Batches wait here for GROUP_MS (or until GROUP_ROWS rows, or a 'flush') and go in together.
let group = [];
let groupRows = 0;
let timer = null;
const rowsOf = (batch) => batch.numbers.length / ${FIELDS};
const isBusy = (err) => typeof err?.code === 'string' && err.code.startsWith('SQLITE_BUSY');
let locked = false;
// the last group's write error (a full disk, an I/O error), null once one goes in: told to the event loop on change
let writeError = null;
const sayWriteError = (text) => {
  if (text !== writeError) parentPort.postMessage({ writeError: (writeError = text) });
};
const writeAll = db.transaction((batches) => batches.reduce((bytes, batch) => bytes + write(batch), 0));
function commitGroup() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (group.length === 0) return;
  const batches = group;
  group = [];
  groupRows = 0;
  // The event loop goes first: it says so in GATE and waits while WRITING. Set WRITING, then look
  // at GATE (and the loop sets GATE, then looks at WRITING): one of the two always sees the other.
  for (;;) {
    Atomics.store(ctl, ${WRITING}, 1);
    if (Atomics.load(ctl, ${GATE}) === 0) break;
    Atomics.store(ctl, ${WRITING}, 0);
    Atomics.notify(ctl, ${WRITING});
    Atomics.wait(ctl, ${GATE}, 1);
  }
  // the write lock at BEGIN: the event loop's connection writes too. A thread killed between its
  // COMMIT and COUNTED has rows in the file its totals do not count: TrafficWriter.takeUncounted.
  const commit = (list) => {
    totals[1] += writeAll.immediate(list);
    totals[0] += list.reduce((rows, batch) => rows + rowsOf(batch), 0);
    totals[3] += 1;
    Atomics.add(ctl, ${COUNTED}, list.length);
  };
  let finished = 0; // batches written or lost; those after them wait for the lock (busy)
  let busy = false;
  let failure = null;
  try {
    commit(batches);
    finished = batches.length;
  } catch (err) {
    busy = isBusy(err);
    // rolled back: each batch again on its own, so only a batch that cannot go in is lost
    for (const batch of busy ? [] : batches) {
      try {
        commit([batch]);
      } catch (err) {
        if ((busy = isBusy(err))) break;
        failure = String(err?.message ?? err);
        totals[2] += rowsOf(batch); // counted as dropped by the event loop
        Atomics.add(ctl, ${COUNTED}, 1);
      }
      finished++;
    }
  } finally {
    Atomics.store(ctl, ${WRITING}, 0);
    Atomics.notify(ctl, ${WRITING});
  }
  if (busy) {
    // another program holds the write lock: the batches wait, in order, for the next try
    group = batches.slice(finished);
    groupRows = group.reduce((rows, batch) => rows + rowsOf(batch), 0);
    timer = setTimeout(commitGroup, ${LOCK_RETRY_MS});
  }
  if (failure !== null || finished > 0) sayWriteError(failure);
  if (busy !== locked) Atomics.store(ctl, ${LOCKED}, busy ? 1 : 0);
  locked = busy;
  Atomics.add(ctl, ${TRIES}, 1);
  Atomics.add(ctl, ${DONE}, finished);
  Atomics.notify(ctl, ${DONE});
}
parentPort.on('message', (message) => {
  if (message === 'flush') return commitGroup();
  if (message === 'close') {
    commitGroup();
    // still locked out at shutdown: what waits is lost, counted as dropped
    clearTimeout(timer);
    if (group.length > 0) {
      totals[2] += groupRows;
      Atomics.add(ctl, ${COUNTED}, group.length);
      Atomics.add(ctl, ${DONE}, group.length);
      Atomics.notify(ctl, ${DONE});
    }
    db.close();
    parentPort.close();
    return;
  }
  group.push(message);
  groupRows += rowsOf(message);
  // locked out: the retry's timer is set, a batch that arrives does not make another try
  if (groupRows >= ${GROUP_ROWS} && !locked) commitGroup();
  else timer ??= setTimeout(commitGroup, ${GROUP_MS});
});
`;

/**
 * Writes traffic rows from a worker thread with its own connection, so their inserts and COMMITs
 * leave the event loop the broker shares (the whole host's p99 at 5 k msg/s was 5.2-9.4 ms with
 * them on it, 1.0-1.2 ms without: docs/BENCHMARKS.md). Batches go over by postMessage and are
 * written in order, those of GROUP_MS in one transaction; what was written is counted in shared
 * memory, so the loop reads progress without a message and can wait (waitIdle) when a reader must
 * see it all.
 *
 * A worker that ends on its own (it could not start, exited, crashed) or hangs (WRITER_ANSWER_MS
 * without finishing a batch: it is then stopped) is `failed`: no wait for it blocks any longer,
 * post() refuses rows, and the batches its totals do not count go to TrafficLog (takeUncounted),
 * which looks for them in the file, counts the rest as dropped and writes inline from then on.
 * One locked out by another program (lockedSince) is not: it keeps its batches and tries again.
 */
export class TrafficWriter {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly totals: Float64Array;
  private readonly answerMs: number;
  private posted = 0;
  private exclusiveDepth = 0;
  private closed = false;
  private exited = false;
  /** Rows handed over so far (see unwritten). */
  private postedRows = 0;
  /** The batches posted and not yet finished, oldest first (see inFlight); `released` were let go. */
  private readonly batches: TrafficRow[][] = [];
  private released = 0;
  /** When the worker last finished a batch or had none to write (see stalled), and DONE then. */
  private progressAt = performance.now();
  private progressDone = 0;
  private progressTries = 0;
  /** When the event loop first saw the worker locked out (see lockedSince). */
  private lockedAt: number | null = null;
  /** When the gate was closed (see openGate). */
  private heldAt = 0;
  /** Why the worker is gone when it went away on its own (it could not start, exited, hung). */
  failed: string | null = null;
  /**
   * The error of the worker's last write that failed other than by a lock (a full disk, an I/O
   * error: its rows were lost, counted as dropped); null once a write goes in again.
   */
  writeError: string | null = null;

  /**
   * `insertSql`: TrafficLog's row INSERT, its 13 parameters in TrafficLog's order. `answerMs`:
   * WRITER_ANSWER_MS unless given.
   */
  constructor(db: Db, options: { holesKey: string; rowOverhead: number; insertSql: string; answerMs?: number }) {
    const { answerMs = WRITER_ANSWER_MS, ...forWorker } = options;
    this.answerMs = answerMs;
    const shared = new SharedArrayBuffer(TOTALS_AT + TOTALS * 8);
    this.ctl = new Int32Array(shared, 0, CTL);
    this.totals = new Float64Array(shared, TOTALS_AT, TOTALS);
    const sqlite = createRequire(import.meta.filename).resolve('better-sqlite3');
    const workerData = { sqlite, path: db.name, shared, ...writerTestHooks, ...forWorker };
    // named, so `top -H` and /proc tell it from the event loop (Node 24 names the OS thread)
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'traffic-writer', workerData });
    this.worker.unref();
    this.worker.on('message', (message: { writeError?: string | null }) => {
      if (message.writeError !== undefined) this.writeError = message.writeError;
    });
    this.worker.on('error', (err) => this.fail(`the writer thread failed: ${err.message}`));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.fail(`the writer thread exited unexpectedly (code ${code})`);
    });
  }

  /**
   * Hands rows to the worker (packed, see packRows); they are written in the order posted. False
   * when it takes none: closed, or failed (the rows stay the caller's).
   */
  post(rows: TrafficRow[]): boolean {
    if (this.closed || this.hasFailed()) return false;
    if (rows.length === 0) return true;
    const packed = packRows(rows);
    this.worker.postMessage(packed, [packed.numbers.buffer]);
    this.posted++;
    this.postedRows += rows.length;
    this.batches.push(rows);
    this.release();
    return true;
  }

  /**
   * The rows posted and not yet finished, by batch, oldest first: what a reader that does not wait
   * (TrafficLog.pageNow) adds to the file's rows. A failed batch is finished too: its rows are lost,
   * counted as dropped, and not shown; so are those of a failed worker. At most MAX_POSTED_BATCHES
   * outside flushAll, whose drain lets them go at once.
   */
  inFlight(): readonly TrafficRow[][] {
    if (this.hasFailed()) return [];
    this.release();
    return this.batches;
  }

  /** Lets go of the batches the worker has finished (cheap: one shared-memory read when none did). */
  release(): void {
    if (this.batches.length === 0 || this.failed !== null) return;
    const done = Atomics.load(this.ctl, DONE) - this.released;
    if (done <= 0) return;
    this.batches.splice(0, done);
    this.released += done;
  }

  /** Batches posted and not yet finished. */
  get pending(): number {
    return this.posted - Atomics.load(this.ctl, DONE);
  }

  /** Rows handed over and neither written nor failed by `totals`: in flight, or with a writer that died. */
  unwritten(totals: TrafficWriterTotals): number {
    return Math.max(0, this.postedRows - totals.rows - totals.failedRows);
  }

  /**
   * Once failed: the batches handed over that its totals do not count, oldest first, and lets go of
   * them. Those it had not started are not in the file; the group it was in when it went is, if its
   * COMMIT got through (a COMMIT under way is not cut short: a thread killed then ends after it).
   */
  takeUncounted(): TrafficRow[][] {
    if (!this.hasFailed()) return [];
    const uncounted = this.batches.slice(Math.max(0, Atomics.load(this.ctl, COUNTED) - this.released));
    this.batches.length = 0;
    return uncounted;
  }

  totalsNow(): TrafficWriterTotals {
    this.hasFailed();
    Atomics.load(this.ctl, DONE); // read first: the totals are at least as recent as the batches done
    return { rows: this.totals[0]!, bytes: this.totals[1]!, failedRows: this.totals[2]!, commits: this.totals[3]! };
  }

  /**
   * Whether the worker is gone. Besides its 'exit' and 'error' events (which wait for the event
   * loop) it notices, in the shared memory, one that could not open the database or that exited,
   * and one that hangs (stalled), which it stops.
   */
  private hasFailed(): boolean {
    if (this.failed !== null || this.closed) return this.failed !== null;
    const ended = Atomics.load(this.ctl, FAILED);
    if (ended === 1) this.fail('the writer thread could not open the database');
    else if (ended === 2) this.fail(`the writer thread exited unexpectedly (code ${Atomics.load(this.ctl, EXIT_CODE)})`);
    else if (this.stalled()) {
      this.fail(`the writer thread did not finish a batch in ${this.answerMs / 1000} s and was stopped`);
      void this.worker.terminate();
    }
    return this.failed !== null;
  }

  /**
   * Whether the worker has had batches for answerMs without finishing one, or trying to: a try that
   * found the write lock held elsewhere (LOCK_RETRY_MS apart) is a sign of life. Its clock stops
   * while it has none, and while the event loop holds the gate with the worker between groups (openGate).
   */
  private stalled(): boolean {
    const done = Atomics.load(this.ctl, DONE);
    const tries = Atomics.load(this.ctl, TRIES);
    const now = performance.now();
    if (done !== this.progressDone || tries !== this.progressTries || done >= this.posted) {
      this.progressDone = done;
      this.progressTries = tries;
      this.progressAt = now;
      return false;
    }
    if (Atomics.load(this.ctl, GATE) === 1 && Atomics.load(this.ctl, WRITING) === 0) return false;
    return now - this.progressAt > this.answerMs;
  }

  /** The worker is gone: nothing waits for it or goes to it again (what it held: takeUncounted). */
  private fail(reason: string): void {
    if (this.failed !== null || this.closed) return;
    this.failed = reason;
  }

  /**
   * Since when (performance.now() ms, as first seen here) the worker's tries have found the write
   * lock held by another program, its batches waiting; null when its last try went in, or it is gone.
   */
  lockedSince(): number | null {
    if (this.closed || this.hasFailed() || Atomics.load(this.ctl, LOCKED) === 0) return (this.lockedAt = null);
    return (this.lockedAt ??= performance.now());
  }

  /** Until when a wait for the worker may last before it counts as hung (stalled). */
  private answerBy(): number {
    return this.progressAt + this.answerMs + 1;
  }

  /**
   * Blocks until every batch posted is finished, or `timeoutMs` passed; true when idle. For readers
   * that must see every row (a search, an export, a backup) and for shutdown: rare, and bounded by
   * what was queued. False at once when the worker is gone, and when it hangs (answerMs without a
   * batch done): it is then failed. False too when a try made meanwhile found the write lock held
   * by another program (WRITER_BUSY_MS): the batches wait for it, the caller does not.
   */
  waitIdle(timeoutMs = 10_000): boolean {
    if (this.exclusiveDepth > 0) throw new Error('waitIdle() inside exclusive(): the worker waits for the gate');
    this.openGate(); // a hold() the caller has not come back for yet
    const triesBefore = Atomics.load(this.ctl, TRIES);
    // the worker commits what it holds now, not GROUP_MS later
    if (Atomics.load(this.ctl, DONE) < this.posted && !this.hasFailed()) this.worker.postMessage('flush');
    const until = performance.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done >= this.posted) {
        this.release();
        return true;
      }
      if (this.hasFailed()) return false;
      if (Atomics.load(this.ctl, LOCKED) === 1 && Atomics.load(this.ctl, TRIES) !== triesBefore) return false;
      const now = performance.now();
      if (now >= until) return false;
      Atomics.wait(this.ctl, DONE, done, Math.max(1, Math.min(until, this.answerBy()) - now));
    }
  }

  /**
   * Asks the worker to stop after the group of batches it is writing; true when it is not writing,
   * so that exclusive() now runs without waiting. On false the request stands and the worker stops
   * at its group's end: a caller that can come back a moment later (a timed flush round) does that
   * instead of blocking the event loop for the rest of the group. Its exclusive() then opens the
   * gate again (so does waitIdle or close).
   */
  hold(): boolean {
    if (this.hasFailed()) return true;
    if (Atomics.exchange(this.ctl, GATE, 1) === 0) this.heldAt = performance.now();
    return Atomics.load(this.ctl, WRITING) === 0;
  }

  /**
   * Runs a write of the event loop's connection with the worker held between batches: the loop
   * waits at most for the group being written (woken the moment it ends), where SQLite's busy
   * handler would sleep in steps of 1 to 100 ms. Re-entrant. A worker that does not end its group
   * (it hangs, or was killed inside it) is failed after answerMs at most, and `fn` runs then.
   */
  exclusive<T>(fn: () => T): T {
    if (this.exclusiveDepth++ === 0 && !this.hold()) {
      while (Atomics.load(this.ctl, WRITING) === 1 && !this.hasFailed()) {
        Atomics.wait(this.ctl, WRITING, 1, Math.max(1, Math.min(100, this.answerBy() - performance.now())));
      }
    }
    try {
      return fn();
    } finally {
      if (--this.exclusiveDepth === 0) this.openGate();
    }
  }

  private openGate(): void {
    if (Atomics.exchange(this.ctl, GATE, 0) === 1) {
      // the worker could not start a group meanwhile: its clock (stalled) stops for that time
      const now = performance.now();
      this.progressAt = Math.min(now, this.progressAt + (now - this.heldAt));
    }
    Atomics.notify(this.ctl, GATE);
  }

  /**
   * Waits for what was posted, then stops the worker and its connection. Bounded: a worker that
   * does not stop when asked is terminated, and one that not even that stops (stuck inside SQLite)
   * is left behind after CLOSE_MS.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.waitIdle();
    const failed = this.hasFailed();
    this.closed = true;
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    if (failed) void this.worker.terminate();
    else this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 2_000);
    let last: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (last = setTimeout(resolve, CLOSE_MS)))]);
    clearTimeout(timer);
    clearTimeout(last);
  }
}
