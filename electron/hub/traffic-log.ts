import type { StorageStats, TrafficCounters, TrafficRow } from '../../shared/api/contract';
import { KeyValue, columnBounds, gatedWrite, setWriteGate, type Db } from './db';
import { noteLockedElsewhere } from './db-lock';
import type { CompiledFilter } from './traffic-filter';
import { TrafficWriter, type TrafficWriterTotals } from './traffic-writer';

export interface RetentionPolicy {
  maxAgeMs: number;
  maxBytes: number;
}

export interface TrafficLogOptions {
  /** Rows waiting for the next flush; beyond this new rows are dropped and counted. */
  maxQueue?: number;
  /** Payload characters waiting for the next flush; same rule (default 64 Mi). */
  maxQueueChars?: number;
  /** Queue length at which an early flush is requested. */
  batchRows?: number;
  onBatchFull?: () => void;
  /** Rows a filtered page() looks back at most (default 500,000). */
  scanRows?: number;
  /**
   * Write rows from a worker thread with its own connection (TrafficWriter) instead of on this
   * event loop: the host's choice, where the broker shares the loop. Off, rows are written inside
   * the flusher's transaction (tests, tools).
   */
  writeInWorker?: boolean;
  /** How long the writer thread may hold batches without finishing one before it counts as hung (TrafficWriter's WRITER_ANSWER_MS). */
  writerAnswerMs?: number;
}

interface DbRow {
  seq: number; ts: number; dir: 'in' | 'out'; device: string; src: string | null; dst: string | null;
  cmd: number; msg_id: number; size: number; status: number | null; payload: string; cut: number;
}

/** A row's INSERT, here and in the writer thread (TrafficWriter). */
const INSERT_ROW_SQL = 'INSERT INTO traffic (seq, ts, dir, device, src, dst, cmd, msg_id, size, status, payload, cut, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Per-row bookkeeping overhead added to the payload length for the size budget. */
const ROW_OVERHEAD = 80;
/**
 * kv key: seqs inside the stored seq range without a row, so rows = max(seq) - min(seq) + 1 - holes.
 * A forget's delete leaves them, and so do rows numbered but never written (dropped from a full
 * queue, a forgotten device's queued rows, a failed batch): the seq is taken when a frame arrives.
 */
const HOLES_KEY = 'traffic.holes';

function fromDb(r: DbRow): TrafficRow {
  return { seq: r.seq, ts: r.ts, dir: r.dir, device: r.device, from: r.src, to: r.dst, cmd: r.cmd, msgId: r.msg_id, size: r.size, status: r.status, payload: r.payload, cut: r.cut === 1 };
}

/** A round reads the clock once per this many rows (a read costs about as much as a few rows' bookkeeping). */
const ROWS_PER_CLOCK_READ = 16;
/** Rows per batch handed to the writer thread, and batches it may have waiting before rows stay queued here. */
const POST_ROWS = 128;
const MAX_POSTED_BATCHES = 80;
/** How long one turn may spend handing rows over (cloning them for the writer thread). */
const HAND_OFF_BUDGET_MS = 1;

/**
 * Append-only traffic log in SQLite. append() only queues (bounded); flush() writes the queue in
 * the hub's transaction, or (writeInWorker) hands it to a writer thread; retention deletes the
 * oldest rows by age and by total size.
 */
export class TrafficLog {
  private queue: TrafficRow[] = [];
  private queueChars = 0;
  private readonly maxQueue: number;
  private readonly maxQueueChars: number;
  private readonly batchRows: number;
  private readonly scanRows: number;
  private readonly insert;
  private readonly deleteOfDevice;
  private readonly recentOfDevice;
  private readonly seqBounds;
  private readonly bytesOfSeq;
  private readonly inTransaction;
  private readonly kv: KeyValue;
  storedBytes: number;
  /** What the last flush() took: a Flusher runs each task once a round, then settle() says how it ended. */
  private roundRows: TrafficRow[] = [];
  private roundBytes = 0;
  /** The highest seq appended or stored: where a reader that does not wait starts (pageNow). */
  private newestSeq: number;
  /** Since this start: rows written to SQLite, rows sent to a UI, rows lost before the log (see countersNow). */
  readonly counters: Omit<TrafficCounters, 'writing'> = { logged: 0, shown: 0, dropped: 0 };
  private writer: TrafficWriter | null;
  private handOffSoon: NodeJS.Immediate | null = null;
  /** The writer's totals already counted in `counters` and storedBytes. */
  private counted: TrafficWriterTotals = { rows: 0, bytes: 0, failedRows: 0, commits: 0 };
  /** Why traffic rows are written inline although a writer thread was asked for, or null. */
  writerFailure: string | null = null;
  /** Rows the failed writer thread had been handed and not written: counted as dropped. */
  writerLost = 0;

  constructor(private readonly db: Db, private readonly options: TrafficLogOptions = {}) {
    this.maxQueue = options.maxQueue ?? 100_000;
    this.maxQueueChars = options.maxQueueChars ?? 64 * 1024 * 1024;
    this.batchRows = options.batchRows ?? 5_000;
    this.scanRows = options.scanRows ?? 500_000;
    this.insert = db.prepare(INSERT_ROW_SQL);
    // through the (device, seq) index; RETURNING gives the bytes to take off storedBytes
    this.deleteOfDevice = db.prepare<[string, number, number], { bytes: number }>(
      'DELETE FROM traffic WHERE seq IN (SELECT seq FROM traffic WHERE device = ? AND seq <= ? ORDER BY seq LIMIT ?) RETURNING bytes',
    );
    this.recentOfDevice = db.prepare<[string, number], DbRow>('SELECT * FROM traffic WHERE device = ? ORDER BY seq DESC LIMIT ?');
    this.seqBounds = columnBounds(db, 'traffic', 'seq');
    this.bytesOfSeq = db.prepare<[number], { bytes: number }>('SELECT bytes FROM traffic WHERE seq = ?');
    this.inTransaction = db.transaction((run: () => number) => run());
    this.kv = new KeyValue(db);
    this.writer = options.writeInWorker && !db.memory ? new TrafficWriter(db, { holesKey: HOLES_KEY, rowOverhead: ROW_OVERHEAD, insertSql: INSERT_ROW_SQL, answerMs: options.writerAnswerMs }) : null;
    // every write of this connection (settings, tokens, audit, a forget's deletes) holds the thread off
    if (this.writer) setWriteGate(db, (write) => this.exclusive(write));
    // The byte sum reads every row anyway; counting them in the same pass makes the holes exact
    // at every start (a database from before the count was kept, or written by an older version).
    const all = db.prepare('SELECT coalesce(sum(bytes), 0) AS b, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM traffic').get() as { b: number; n: number; lo: number | null; hi: number | null };
    this.storedBytes = all.b;
    this.newestSeq = all.hi ?? 0;
    const holes = all.lo === null || all.hi === null ? 0 : all.hi - all.lo + 1 - all.n;
    if (holes !== this.holes()) this.kv.set(HOLES_KEY, String(holes));
  }

  /**
   * Stored rows, for Settings > Storage: two index lookups and a kv read, no count(*). Read from
   * the kv each time, so a rolled-back write round cannot leave a stale copy behind.
   */
  storedRows(): number {
    const span = this.seqSpan();
    return Math.max(0, span - Math.min(span, this.holes()));
  }

  /** The highest seq ever stored, so numbering continues after a restart. */
  lastSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) AS s FROM traffic').get() as { s: number }).s;
  }

  append(row: TrafficRow): void {
    if (row.seq > this.newestSeq) this.newestSeq = row.seq;
    if (this.queue.length >= this.maxQueue || this.queueChars + row.payload.length > this.maxQueueChars) {
      this.counters.dropped++;
      return;
    }
    this.queue.push(row);
    this.queueChars += row.payload.length;
    if (this.writer) {
      // rows the worker has written are let go at once, before a scavenge would copy them
      this.writer.release();
      // a batch's worth goes to the writer thread on the next turn, without a flusher round (whose
      // transaction would hold the writer off) and without cloning rows inside a broker event
      if (this.queue.length >= POST_ROWS && !this.handOffSoon) this.handOffSoon = setImmediate(() => this.handOffNow());
    } else if (this.queue.length === this.batchRows) {
      this.options.onBatchFull?.();
    }
  }

  private handOffNow(): void {
    this.handOffSoon = null;
    if (this.writer) this.handOff(this.writer, this.batchRows, performance.now() + HAND_OFF_BUDGET_MS);
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * The counters with the rows taken and not yet written: queued, or handed to the writer thread and
   * not yet counted as logged or dropped (the same totals `counters` was last brought up to date with).
   */
  countersNow(): TrafficCounters {
    return { ...this.counters, writing: this.queue.length + (this.writer ? this.writer.unwritten(this.counted) : 0) };
  }

  /** The highest seq appended or stored. */
  get newest(): number {
    return this.newestSeq;
  }

  /**
   * Write task (inside the flusher's transaction): at most `chunkRows` rows, and no more once
   * `deadline` (performance.now() ms) has passed, though always at least ROWS_PER_CLOCK_READ so
   * every round moves on; true if more wait. With a writer thread: handOff().
   */
  flush(chunkRows = this.batchRows, deadline = Infinity): boolean {
    this.roundRows = [];
    this.roundBytes = 0;
    if (this.writer) return this.handOff(this.writer, chunkRows, deadline);
    const queue = this.queue;
    if (queue.length === 0) return false;
    const limit = Math.min(queue.length, chunkRows);
    let taken = 0; // rows this round took from the queue: written, or (on a throw) lost with it
    let inserting = false;
    let bytes = 0;
    try {
      this.tracked(() => {
        for (; taken < limit; taken++) {
          if (taken % ROWS_PER_CLOCK_READ === 0 && taken > 0 && performance.now() >= deadline) break;
          const r = queue[taken]!;
          const b = r.payload.length + ROW_OVERHEAD;
          inserting = true;
          this.insert.run(r.seq, r.ts, r.dir, r.device, r.from, r.to, r.cmd, r.msgId, r.size, r.status, r.payload, r.cut ? 1 : 0, b);
          inserting = false;
          bytes += b;
        }
        return taken;
      });
    } catch (err) {
      // the rollback takes the rows written before the throw: they are lost with the one that threw
      if (inserting) taken++;
      this.counters.dropped += taken;
      throw err;
    } finally {
      let chars = 0;
      for (let k = 0; k < taken; k++) chars += queue[k]!.payload.length;
      this.queue = taken >= queue.length ? [] : queue.slice(taken);
      this.queueChars = Math.max(0, this.queueChars - chars);
    }
    const rows = taken === queue.length ? queue : queue.slice(0, taken);
    this.storedBytes += bytes;
    this.counters.logged += rows.length;
    this.roundRows = rows;
    this.roundBytes = bytes;
    return this.queue.length > 0;
  }

  /**
   * A round with the writer thread: hands rows to it in batches (at most `chunkRows`, until
   * `deadline`, and while it has fewer than MAX_POSTED_BATCHES waiting: past that, rows wait here,
   * where the queue's bounds hold; an unbounded round, flushAll's, hands everything over and
   * drain() then waits for it, unless the thread is locked out by another program: every export
   * or backup tried meanwhile would hand it the queue again, beyond any bound). The flusher's
   * transaction holds no traffic rows then, so settle() has nothing to put back.
   */
  private handOff(writer: TrafficWriter, chunkRows: number, deadline: number): boolean {
    this.collect(writer);
    if (!this.writer) return this.flush(chunkRows, deadline); // it failed: inline from now on
    const queue = this.queue;
    const limit = Math.min(queue.length, chunkRows);
    const unbounded = deadline === Infinity && writer.lockedSince() === null;
    let taken = 0;
    let refused = false;
    while (taken < limit && (unbounded || (writer.pending < MAX_POSTED_BATCHES && (taken === 0 || performance.now() < deadline)))) {
      const batch = queue.slice(taken, Math.min(limit, taken + POST_ROWS));
      // refused: the writer is found gone meanwhile; the rest stays queued for the inline rounds
      if (!writer.post(batch)) {
        refused = true;
        break;
      }
      for (const r of batch) this.queueChars -= r.payload.length;
      taken += batch.length;
    }
    this.queueChars = Math.max(0, this.queueChars);
    if (taken > 0) this.queue = taken >= queue.length ? [] : queue.slice(taken);
    if (refused) {
      this.collect(writer);
      return this.queue.length > 0;
    }
    // a full writer is not a reason for another round at once: the next timed round looks again
    return taken > 0 && this.queue.length > 0;
  }

  /**
   * Waits until the writer thread has written every row handed to it (after flushAll's rounds:
   * never inside a transaction of this connection, whose write lock the writer would wait for).
   */
  drain(): void {
    if (!this.writer) return;
    this.writer.waitIdle();
    this.collect(this.writer);
  }

  /**
   * Counts what the writer thread has written (or lost) since the last look. A writer that went
   * away on its own (could not start, crashed, hung: TrafficWriter.failed) is let go, and rows are
   * written inline from then on. Of the rows it held and had not counted, those found in the file
   * (a COMMIT that got through as it went) are counted as logged, the others as dropped (writerLost).
   */
  private collect(writer: TrafficWriter): void {
    const now = writer.totalsNow();
    this.counters.logged += now.rows - this.counted.rows;
    this.storedBytes += now.bytes - this.counted.bytes;
    this.counters.dropped += now.failedRows - this.counted.failedRows;
    this.counted = now;
    if (writer.failed === null) return;
    let lost = 0;
    for (const batch of writer.takeUncounted()) {
      for (const r of batch) {
        const stored = this.bytesOfSeq.get(r.seq);
        if (!stored) lost++;
        else {
          this.counters.logged++;
          this.storedBytes += stored.bytes;
        }
      }
    }
    this.writerLost = lost;
    this.counters.dropped += lost;
    this.writerFailure = writer.failed;
    this.writer = null;
  }

  /**
   * How rows are written, for Settings > Storage. A thread found gone here (not yet let go by the
   * next round) is reported as failed already: its rows in flight are lost, the next round writes inline.
   */
  writerState(): StorageStats['writer'] {
    const writer = this.writer;
    if (!writer) return { mode: 'main', failure: this.writerFailure, written: this.counted.rows, inFlight: 0 };
    const totals = writer.totalsNow(); // notices a writer that could not start
    if (writer.failed !== null) return { mode: 'main', failure: writer.failed, written: totals.rows, inFlight: 0 };
    return { mode: 'thread', failure: null, written: totals.rows, inFlight: writer.unwritten(totals) };
  }

  /** Transactions the writer thread has committed (it groups batches: GROUP_MS); 0 without one. */
  get writerCommits(): number {
    return this.writer ? this.writer.totalsNow().commits : 0;
  }

  /**
   * Whether a write of this connection can start now without waiting for the writer thread's batch;
   * false asks the thread to pause after it, for a caller that comes back (TrafficWriter.hold).
   */
  holdWriter(): boolean {
    return this.writer ? this.writer.hold() : true;
  }

  /** Runs a write of this connection with the writer thread held between batches (TrafficWriter.exclusive). */
  exclusive<T>(fn: () => T): T {
    const writer = this.writer;
    if (!writer) return fn();
    return writer.exclusive(() => {
      // the thread found the write lock held by another program: this write need not sleep in
      // SQLite's busy handler to learn it (db-lock.ts); one that gets through says it is free again
      if (!this.db.inTransaction && writer.lockedSince() !== null) noteLockedElsewhere(this.db);
      return fn();
    });
  }

  /**
   * Since when (performance.now() ms) the writer thread has found the write lock held by another
   * program, its rows waiting (in it, then in the queue, within its bounds); null when not.
   */
  writerLockedSince(): number | null {
    return this.writer ? this.writer.lockedSince() : null;
  }

  /** The writer thread's last write error other than a lock (a full disk: its rows counted as dropped); null when its writes go in. */
  writerWriteError(): string | null {
    return this.writer?.writeError ?? null;
  }

  /** Stops the writer thread once it has written what it was given (nothing to do without one). */
  async close(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    setWriteGate(this.db, null);
    if (this.handOffSoon) clearImmediate(this.handOffSoon);
    this.handOffSoon = null;
    this.drain(); // lets go of a writer found failed: it is still stopped
    await writer.close();
  }

  /**
   * After a flusher round. Rolled back (another task threw, or the COMMIT failed): the round's rows
   * are not in the file, so they go back to the front of the queue to be written next round. The
   * round is synchronous, nothing was appended meanwhile: the queue is back to its size before it,
   * within its bounds, and while rounds keep failing append() drops new rows, counted.
   */
  settle(committed: boolean): void {
    const rows = this.roundRows;
    const bytes = this.roundBytes;
    this.roundRows = [];
    this.roundBytes = 0;
    if (committed || rows.length === 0) return;
    this.storedBytes -= bytes;
    this.counters.logged -= rows.length;
    this.queue = rows.concat(this.queue);
    for (const r of rows) this.queueChars += r.payload.length;
  }

  /**
   * Deletes rows older than maxAgeMs, then the oldest rows until the log fits maxBytes, at most
   * `maxRows` per call (so a big cleanup is spread over several turns); `more` says it is not done.
   * Freed pages stay in the file and are reused by new rows, so the file stops growing at about
   * the budget instead of being shrunk on the hot path.
   */
  applyRetention(policy: RetentionPolicy, now = Date.now(), maxRows = Number.MAX_SAFE_INTEGER): { deleted: number; more: boolean } {
    let deleted = 0;
    // two queries: min() and max() together would scan the table, each alone is one b-tree seek
    const oldest = (this.db.prepare('SELECT min(seq) AS s FROM traffic').get() as { s: number | null }).s;
    if (oldest === null) return { deleted, more: false };
    const newest = this.lastSeq();
    // Never past the newest row stored now: the writer thread may commit younger ones meanwhile
    // (their seqs are higher), and a limit beyond them would delete them unseen.
    const stepLimit = Math.min(oldest + Math.min(maxRows, Number.MAX_SAFE_INTEGER - oldest), newest + 1);
    const cutoff = now - policy.maxAgeMs;
    // Look for the first young row only inside this step's range: with a large backlog of old rows
    // an unbounded scan (ts has no index) would read the whole backlog on every step.
    const firstKept = this.db.prepare('SELECT seq FROM traffic WHERE seq < ? AND ts >= ? ORDER BY seq LIMIT 1').get(stepLimit, cutoff) as { seq: number } | undefined;
    deleted += this.deleteBelow(firstKept ? firstKept.seq : stepLimit);
    if (!firstKept) return { deleted, more: this.lastSeq() >= stepLimit };
    while (this.storedBytes > policy.maxBytes && deleted < maxRows) {
      const excess = this.storedBytes - policy.maxBytes;
      // Walk forward from the oldest row until enough bytes are covered (bounded per step).
      const rows = this.db.prepare('SELECT seq, bytes FROM traffic ORDER BY seq LIMIT ?').all(Math.min(20_000, maxRows - deleted)) as { seq: number; bytes: number }[];
      if (rows.length === 0) break;
      let sum = 0;
      let limit = rows[rows.length - 1]!.seq + 1;
      for (const r of rows) {
        sum += r.bytes;
        if (sum >= excess) {
          limit = r.seq + 1;
          break;
        }
      }
      deleted += this.deleteBelow(limit);
    }
    return { deleted, more: this.storedBytes > policy.maxBytes };
  }

  /**
   * Drops a device's rows still waiting to be written, so no later flush stores them; returns how
   * many. Rows already with the writer thread are let in first, so a delete that follows sees them.
   */
  dropQueued(device: string): number {
    this.drain();
    const kept = this.queue.filter((r) => r.device !== device);
    const dropped = this.queue.length - kept.length;
    if (dropped > 0) {
      this.queue = kept;
      this.queueChars = kept.reduce((n, r) => n + r.payload.length, 0);
    }
    return dropped;
  }

  /** Deletes at most `maxRows` stored rows of `device` with seq <= upToSeq; `more`: call again. */
  deleteDevice(device: string, upToSeq: number, maxRows: number): { deleted: number; more: boolean } {
    let bytes = 0;
    const deleted = -this.tracked(() => {
      const rows = this.deleteOfDevice.all(device, upToSeq, maxRows);
      for (const r of rows) bytes += r.bytes;
      return -rows.length;
    });
    this.storedBytes -= bytes;
    return { deleted, more: deleted === maxRows };
  }

  private deleteBelow(seq: number): number {
    const sum = this.db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM traffic WHERE seq < ?').get(seq) as { n: number; b: number };
    if (sum.n === 0) return 0;
    this.tracked(() => -this.db.prepare('DELETE FROM traffic WHERE seq < ?').run(seq).changes);
    this.storedBytes -= sum.b;
    return sum.n;
  }

  /**
   * Runs a write that adds (> 0) or removes (< 0) rows and keeps the kv holes = seq span - rows
   * true, in one transaction with the write. Any write can change it: a delete from the middle
   * (forget) adds holes, retention deleting past them takes them away again (the span shrinks by
   * more than the rows deleted), and rows written after unwritten seqs add the skipped ones.
   */
  private tracked(run: () => number): number {
    // IMMEDIATE: the traffic writer thread is another writer (see Flusher), held off meanwhile
    return gatedWrite(this.db, () => this.inTransaction.immediate(() => {
      const spanBefore = this.seqSpan();
      const stored = this.holes();
      const added = run();
      if (added === 0) return 0;
      const rowsAfter = spanBefore - Math.min(spanBefore, stored) + added;
      const holes = Math.max(0, this.seqSpan() - rowsAfter);
      if (holes !== stored) this.kv.set(HOLES_KEY, String(holes));
      return added;
    }));
  }

  private holes(): number {
    return Math.max(0, Number(this.kv.get(HOLES_KEY) ?? 0) || 0);
  }

  private seqSpan(): number {
    const { lo, hi } = this.seqBounds.get()!;
    return lo === null || hi === null ? 0 : hi - lo + 1;
  }

  /**
   * Newest first; payloads longer than maxPayloadChars are cut (flagged, original size kept). A
   * filtered search looks at most `scanRows` rows back so it never blocks the main thread for long;
   * `scanLimitedAt` says where it stopped (page again with beforeSeq = that to look further).
   */
  page(filter: CompiledFilter, limit: number, beforeSeq?: number, maxPayloadChars = 4096, scanRows = this.scanRows): { rows: TrafficRow[]; scanLimitedAt?: number } {
    const top = beforeSeq ?? this.lastSeq() + 1;
    const floor = filter.terms.length > 0 ? top - scanRows : -Infinity;
    const where = `seq < ? AND seq >= ? AND (${filter.sql})`;
    const rows = this.db.prepare(`SELECT * FROM traffic WHERE ${where} ORDER BY seq DESC LIMIT ?`).all(top, Math.max(floor, -1), ...filter.params, limit) as DbRow[];
    const out = rows.map((r) => cutRow(fromDb(r), maxPayloadChars));
    const oldest = (this.db.prepare('SELECT coalesce(min(seq), 0) AS s FROM traffic').get() as { s: number }).s;
    return rows.length < limit && floor > oldest ? { rows: out, scanLimitedAt: floor } : { rows: out };
  }

  /** A device's newest stored rows, newest first (the traffic_device index), payloads cut like page(). */
  recentOf(device: string, limit: number, maxPayloadChars = 4096): TrafficRow[] {
    return this.recentOfDevice.all(device, limit).map((r) => cutRow(fromDb(r), maxPayloadChars));
  }

  /**
   * page() with the rows not yet in the file (queued here, or with the writer thread) merged in,
   * newest first from the newest seq appended: what the traffic view reads without making the event
   * loop, which the broker shares, wait for the writer (flushAll at 20 k msg/s blocked it for tens of ms).
   */
  pageNow(filter: CompiledFilter, limit: number, beforeSeq = this.newestSeq + 1, maxPayloadChars = 4096, scanRows = this.scanRows): { rows: TrafficRow[]; scanLimitedAt?: number } {
    const floor = filter.terms.length > 0 ? beforeSeq - scanRows : -Infinity;
    const unstored = this.unstored((r) => r.seq < beforeSeq && r.seq >= floor && filter.matches(r), limit, maxPayloadChars);
    const stored = this.page(filter, limit, beforeSeq, maxPayloadChars, scanRows);
    const rows = newestOf(unstored, stored.rows, limit);
    // a page the waiting rows filled is complete, though the file's part of it hit the bound
    return rows.length < limit && stored.scanLimitedAt !== undefined ? { rows, scanLimitedAt: stored.scanLimitedAt } : { rows };
  }

  /** recentOf() with the rows not yet in the file merged in, as pageNow(). */
  recentNow(device: string, limit: number, maxPayloadChars = 4096): TrafficRow[] {
    const unstored = this.unstored((r) => r.device === device, limit, maxPayloadChars);
    return newestOf(unstored, this.recentOf(device, limit, maxPayloadChars), limit);
  }

  /**
   * Up to `limit` rows not yet in the file that match, newest first. Read before the file: a row
   * the writer commits in between is then found twice (newestOf keeps one), never missed.
   */
  private unstored(match: (r: TrafficRow) => boolean, limit: number, maxPayloadChars: number): TrafficRow[] {
    const out: TrafficRow[] = [];
    const take = (rows: readonly TrafficRow[]): boolean => {
      for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
        if (match(rows[i]!)) out.push(cutRow(rows[i]!, maxPayloadChars));
      }
      return out.length < limit;
    };
    if (!take(this.queue) || !this.writer) return out;
    const batches = this.writer.inFlight();
    for (let b = batches.length - 1; b >= 0 && take(batches[b]!); b--);
    return out;
  }

  /** Oldest first, for export; iterates without loading everything. */
  *iterate(filter: CompiledFilter, maxRows: number): Generator<TrafficRow> {
    const stmt = this.db.prepare(`SELECT * FROM traffic WHERE ${filter.sql} ORDER BY seq LIMIT ?`);
    for (const r of stmt.iterate(...filter.params, maxRows) as Iterable<DbRow>) yield fromDb(r);
  }
}

/** The `limit` newest of two newest-first lists, each seq once (a row can be in both: see unstored()). */
function newestOf(a: TrafficRow[], b: TrafficRow[], limit: number): TrafficRow[] {
  if (a.length === 0) return b;
  const seen = new Set(a.map((r) => r.seq));
  return a.concat(b.filter((r) => !seen.has(r.seq))).sort((x, y) => y.seq - x.seq).slice(0, limit);
}

export function cutRow(row: TrafficRow, maxChars: number): TrafficRow {
  if (row.payload.length <= maxChars) return row;
  // A plain slice would keep the whole original string alive inside V8; copy the prefix out.
  const prefix = Buffer.from(row.payload.slice(0, maxChars), 'utf8').toString('utf8');
  return { ...row, payload: prefix, cut: true };
}
