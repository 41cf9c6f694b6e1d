import type { Transaction } from 'better-sqlite3';
import type { Db } from './db';

/**
 * A write task; returns true when it left work for the next round (it writes in bounded chunks).
 * `deadline` (performance.now() ms): when the round's time budget runs out; a task that can stop
 * between rows stops there.
 */
export type FlushTask = (deadline: number) => boolean | void;
/** Told after every round whether it was committed or rolled back (a later task may have thrown). */
export type SettleHook = (committed: boolean) => void;
/** After flushAll's rounds, outside any transaction: waits for writes a task handed elsewhere. */
export type DrainHook = () => void;

/** Where one round's time went (ms): each task, and the COMMIT (which may run a WAL checkpoint). */
export interface FlushRound {
  at: number;
  totalMs: number;
  commitMs: number;
  tasks: Record<string, number>;
}

export interface FlusherStats {
  flushes: number;
  maxFlushMs: number;
  /** Rounds per duration bucket: `le` is the bucket's upper bound in ms (Infinity for the last). */
  histogram: { le: number; count: number }[];
  /** The slowest rounds so far, slowest first, with their breakdown. */
  slowest: FlushRound[];
}

const BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, Infinity];
/**
 * A round's time budget (ms): the longest a device message that arrives during a round waits for
 * it, on top of the COMMIT. Smaller costs more COMMITs per row.
 */
export const ROUND_BUDGET_MS = 1;
const KEEP_SLOWEST = 10;
/**
 * How long a timed round waits for `ready` (trying again every millisecond, the event loop free
 * meanwhile) before it runs anyway and its `around` blocks.
 */
export const MAX_DEFER_MS = 50;

/**
 * Runs every registered write task inside one transaction, on a timer (default 250 ms) or sooner
 * when a producer says its queue is large. Keeps SQLite off the per-message path; tasks write in
 * bounded chunks within a time budget per round (`budgetMs`), and leftovers continue on the next
 * turn of the event loop, after the I/O that waited: the broker shares this loop, and a 10 ms
 * round was a 10 ms wait for every device message that arrived during it. Each round is timed per
 * task so a slow round can be explained.
 */
export class Flusher {
  private readonly tasks: { name: string; run: FlushTask; settle?: SettleHook; drain?: DrainHook }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private retry: NodeJS.Timeout | null = null;
  private deferredSince: number | null = null;
  private readonly runAll: Transaction<(times: Record<string, number>, deadline: number) => boolean>;
  private readonly buckets = BUCKETS.map(() => 0);
  private readonly slowest: FlushRound[] = [];
  lastError: Error | null = null;
  /** Since when (Date.now() ms) rounds have failed, none committed since (the hub says so); null when the last one went in. */
  failingSince: number | null = null;
  flushes = 0;
  /** Longest single flush so far (ms): how long the event loop was held by a write batch. */
  maxFlushMs = 0;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 250,
    private readonly budgetMs = ROUND_BUDGET_MS,
    /** Wraps each round's transaction (the hub holds the traffic writer thread off meanwhile). */
    private readonly around: <T>(round: () => T) => T = (round) => round(),
    /**
     * Whether a timed round can start without `around` waiting (the writer thread is between
     * batches); when not, the round comes back a millisecond later (MAX_DEFER_MS at most).
     */
    private readonly ready: () => boolean = () => true,
  ) {
    this.runAll = db.transaction((times: Record<string, number>, deadline: number) => {
      let more = false;
      for (const task of this.tasks) {
        const t0 = performance.now();
        more = task.run(deadline) === true || more;
        times[task.name] = (times[task.name] ?? 0) + performance.now() - t0;
      }
      return more;
    });
  }

  add(name: string, task: FlushTask, settle?: SettleHook, drain?: DrainHook): void {
    this.tasks.push({ name, run: task, settle, drain });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.timedRound(), this.intervalMs);
    this.timer.unref();
  }

  /** Producers call this when their queue passes its batch size. */
  requestSoon(): void {
    if (this.soon || !this.timer) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      this.timedRound();
    });
  }

  /** A round from the timer or requestSoon: deferred while `ready` says it would wait. */
  private timedRound(): void {
    if (this.retry) return;
    if (!this.ready()) {
      const now = performance.now();
      this.deferredSince ??= now;
      if (now - this.deferredSince < MAX_DEFER_MS) {
        this.retry = setTimeout(() => {
          this.retry = null;
          this.timedRound();
        }, 1);
        this.retry.unref();
        return;
      }
    }
    this.deferredSince = null;
    this.flush();
  }

  /**
   * One bounded round (in rows, and in time: `budgetMs`); schedules the next round at once when a
   * task has more.
   */
  flush(budgetMs = this.budgetMs): boolean {
    if (!this.db.open) return false;
    const started = performance.now();
    const times: Record<string, number> = {};
    let more = false;
    let committed = false;
    try {
      // IMMEDIATE: the write lock is taken (waiting for another writer, the traffic writer thread) at
      // BEGIN; a deferred transaction that read first fails at once if another connection wrote since
      more = this.around(() => this.runAll.immediate(times, started + budgetMs));
      committed = true;
      this.failingSince = null;
      this.flushes++;
      this.record(started, performance.now() - started, times);
    } catch (err) {
      // Keep running: a failed round is reported, and its tasks are told (settle) so that they put
      // back or count what the rollback took from them.
      this.lastError = err as Error;
      this.failingSince ??= Date.now();
    }
    for (const task of this.tasks) task.settle?.(committed);
    if (more) this.requestSoon();
    return more;
  }

  private record(started: number, totalMs: number, tasks: Record<string, number>): void {
    this.maxFlushMs = Math.max(this.maxFlushMs, totalMs);
    this.buckets[BUCKETS.findIndex((le) => totalMs <= le)]!++;
    const last = this.slowest[this.slowest.length - 1];
    if (this.slowest.length >= KEEP_SLOWEST && last && last.totalMs >= totalMs) return;
    let inTasks = 0;
    for (const ms of Object.values(tasks)) inTasks += ms;
    this.slowest.push({ at: Math.round(performance.timeOrigin + started), totalMs, commitMs: Math.max(0, totalMs - inTasks), tasks });
    this.slowest.sort((a, b) => b.totalMs - a.totalMs);
    if (this.slowest.length > KEEP_SLOWEST) this.slowest.pop();
  }

  stats(): FlusherStats {
    return {
      flushes: this.flushes,
      maxFlushMs: this.maxFlushMs,
      histogram: BUCKETS.map((le, i) => ({ le, count: this.buckets[i]! })),
      slowest: this.slowest.map((r) => ({ ...r, tasks: { ...r.tasks } })),
    };
  }

  /**
   * Everything queued, now (before a read that must see it, and at shutdown): rounds bounded in rows
   * only, as the caller waits for all of it anyway.
   */
  flushAll(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds && this.flush(Infinity); i++);
    for (const task of this.tasks) task.drain?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    if (this.retry) clearTimeout(this.retry);
    this.timer = null;
    this.soon = null;
    this.retry = null;
    this.flushAll();
  }
}
