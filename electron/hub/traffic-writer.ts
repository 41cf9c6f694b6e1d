import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { TrafficRow } from '../../shared/api/contract';
import { columnBoundsSql, type Db } from './db';

/** What the worker has done, read by the event loop whenever it likes (shared memory). */
export interface TrafficWriterTotals {
  rows: number;
  bytes: number;
  /** Rows of batches whose transaction failed (rolled back): lost, to be counted as dropped. */
  failedRows: number;
  /** Transactions committed: one per group of batches (GROUP_ROWS, GROUP_MS). */
  commits: number;
}

// Layout of the shared memory: Int32s for the batches done (bumped by a group's batches and notified
// after its COMMIT), the event loop's wish to write (GATE), the worker being in a write (WRITING)
// and its failure to start (FAILED); then the totals as Float64s (TrafficWriterTotals' order),
// written before the bump (Atomics orders them for whoever reads the bump).
const DONE = 0;
const GATE = 1;
const WRITING = 2;
const FAILED = 3;
const TOTALS_AT = 16;
const TOTALS = 4;

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
const ctl = new Int32Array(workerData.shared, 0, 4);
const totals = new Float64Array(workerData.shared, ${TOTALS_AT}, ${TOTALS});
let db;
try {
  db = new (require(workerData.sqlite))(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
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
  // the write lock at BEGIN: the event loop's connection writes too
  const commit = (list) => {
    totals[1] += writeAll.immediate(list);
    totals[0] += list.reduce((rows, batch) => rows + rowsOf(batch), 0);
    totals[3] += 1;
  };
  try {
    commit(batches);
  } catch {
    // rolled back: each batch again on its own, so only a batch that cannot go in is lost
    for (const batch of batches) {
      try {
        commit([batch]);
      } catch {
        totals[2] += rowsOf(batch); // counted as dropped by the event loop
      }
    }
  } finally {
    Atomics.store(ctl, ${WRITING}, 0);
    Atomics.notify(ctl, ${WRITING});
  }
  Atomics.add(ctl, ${DONE}, batches.length);
  Atomics.notify(ctl, ${DONE});
}
parentPort.on('message', (message) => {
  if (message === 'flush') return commitGroup();
  if (message === 'close') {
    commitGroup();
    db.close();
    parentPort.close();
    return;
  }
  group.push(message);
  groupRows += rowsOf(message);
  if (groupRows >= ${GROUP_ROWS}) commitGroup();
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
 */
export class TrafficWriter {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly totals: Float64Array;
  private posted = 0;
  private exclusiveDepth = 0;
  private closed = false;
  /** Rows handed over so far (see unwritten). */
  private postedRows = 0;
  /** The batches posted and not yet finished, oldest first (see inFlight); `released` were let go. */
  private readonly batches: TrafficRow[][] = [];
  private released = 0;
  /** Why the worker is gone when it went away on its own (it could not start, or crashed). */
  failed: string | null = null;

  /** `insertSql`: TrafficLog's row INSERT, its 13 parameters in TrafficLog's order. */
  constructor(db: Db, options: { holesKey: string; rowOverhead: number; insertSql: string }) {
    const shared = new SharedArrayBuffer(TOTALS_AT + TOTALS * 8);
    this.ctl = new Int32Array(shared, 0, 4);
    this.totals = new Float64Array(shared, TOTALS_AT, TOTALS);
    const sqlite = createRequire(import.meta.filename).resolve('better-sqlite3');
    // named, so `top -H` and /proc tell it from the event loop (Node 24 names the OS thread)
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'traffic-writer', workerData: { sqlite, path: db.name, shared, ...options } });
    this.worker.unref();
    this.worker.on('error', (err) => (this.failed ??= err.message));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failed ??= `the writer thread exited (${code})`;
    });
  }

  /** Hands rows to the worker (packed, see packRows); they are written in the order posted. */
  post(rows: TrafficRow[]): void {
    if (this.closed || this.hasFailed() || rows.length === 0) return;
    const packed = packRows(rows);
    this.worker.postMessage(packed, [packed.numbers.buffer]);
    this.posted++;
    this.postedRows += rows.length;
    this.batches.push(rows);
    this.release();
  }

  /**
   * The rows posted and not yet finished, by batch, oldest first: what a reader that does not wait
   * (TrafficLog.pageNow) adds to the file's rows. A failed batch is finished too: its rows are lost,
   * counted as dropped, and not shown. At most MAX_POSTED_BATCHES outside flushAll, whose drain lets
   * them go at once.
   */
  inFlight(): readonly TrafficRow[][] {
    this.release();
    return this.batches;
  }

  /** Lets go of the batches the worker has finished (cheap: one shared-memory read when none did). */
  release(): void {
    if (this.batches.length === 0) return;
    const done = Atomics.load(this.ctl, DONE) - this.released;
    if (done <= 0) return;
    this.batches.splice(0, done);
    this.released += done;
  }

  /** Batches posted and not yet finished. */
  get pending(): number {
    return this.posted - Atomics.load(this.ctl, DONE);
  }

  /** Rows handed over and neither written nor failed by `totals`: in flight, or lost with a writer that died. */
  unwritten(totals: TrafficWriterTotals): number {
    return Math.max(0, this.postedRows - totals.rows - totals.failedRows);
  }

  totalsNow(): TrafficWriterTotals {
    this.hasFailed();
    Atomics.load(this.ctl, DONE); // read first: the totals are at least as recent as the batches done
    return { rows: this.totals[0]!, bytes: this.totals[1]!, failedRows: this.totals[2]!, commits: this.totals[3]! };
  }

  /** Whether the worker is gone; notices one that could not open the database (shared flag). */
  private hasFailed(): boolean {
    if (Atomics.load(this.ctl, FAILED) === 1) this.failed ??= 'the writer thread could not open the database';
    return this.failed !== null;
  }

  /**
   * Blocks until every batch posted is finished, or `timeoutMs` passed; true when idle. For readers
   * that must see every row (a search, an export, a backup) and for shutdown: rare, and bounded by
   * what was queued.
   */
  waitIdle(timeoutMs = 10_000): boolean {
    if (this.exclusiveDepth > 0) throw new Error('waitIdle() inside exclusive(): the worker waits for the gate');
    this.openGate(); // a hold() the caller has not come back for yet
    // the worker commits what it holds now, not GROUP_MS later
    if (Atomics.load(this.ctl, DONE) < this.posted && !this.hasFailed()) this.worker.postMessage('flush');
    const until = performance.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done >= this.posted) {
        this.release();
        return true;
      }
      const left = until - performance.now();
      if (this.hasFailed() || left <= 0) return false;
      Atomics.wait(this.ctl, DONE, done, left);
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
    if (this.failed !== null) return true;
    Atomics.store(this.ctl, GATE, 1);
    return Atomics.load(this.ctl, WRITING) === 0;
  }

  /**
   * Runs a write of the event loop's connection with the worker held between batches: the loop
   * waits at most for the group being written (woken the moment it ends), where SQLite's busy
   * handler would sleep in steps of 1 to 100 ms. Re-entrant.
   */
  exclusive<T>(fn: () => T): T {
    if (this.exclusiveDepth++ === 0 && !this.hold()) {
      while (Atomics.load(this.ctl, WRITING) === 1) Atomics.wait(this.ctl, WRITING, 1, 100);
    }
    try {
      return fn();
    } finally {
      if (--this.exclusiveDepth === 0) this.openGate();
    }
  }

  private openGate(): void {
    Atomics.store(this.ctl, GATE, 0);
    Atomics.notify(this.ctl, GATE);
  }

  /** Waits for what was posted, then stops the worker and its connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.waitIdle();
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
