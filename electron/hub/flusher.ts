import type { Db } from './db';

/** A write task; returns true when it left work for the next round (it writes in bounded chunks). */
export type FlushTask = () => boolean | void;

/**
 * Runs every registered write task inside one transaction, on a timer (default 250 ms) or sooner
 * when a producer says its queue is large. Keeps SQLite off the per-message path; tasks write in
 * bounded chunks and leftovers continue on the next turn of the event loop, so one flush never
 * holds the loop for long.
 */
export class Flusher {
  private readonly tasks: FlushTask[] = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private readonly runAll: () => boolean;
  lastError: Error | null = null;
  flushes = 0;
  /** Longest single flush so far (ms): how long the event loop was held by a write batch. */
  maxFlushMs = 0;

  constructor(private readonly db: Db, private readonly intervalMs = 250) {
    this.runAll = db.transaction(() => {
      let more = false;
      for (const task of this.tasks) more = task() === true || more;
      return more;
    });
  }

  add(task: FlushTask): void {
    this.tasks.push(task);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Producers call this when their queue passes its batch size. */
  requestSoon(): void {
    if (this.soon || !this.timer) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      this.flush();
    });
  }

  /** One bounded round; schedules the next round at once when a task has more. */
  flush(): boolean {
    if (!this.db.open) return false;
    const started = performance.now();
    let more = false;
    try {
      more = this.runAll();
      this.flushes++;
      this.maxFlushMs = Math.max(this.maxFlushMs, performance.now() - started);
    } catch (err) {
      // Keep running: a failed batch is reported, the producers count what they lost.
      this.lastError = err as Error;
    }
    if (more) this.requestSoon();
    return more;
  }

  /** Everything queued, now (before a read that must see it, and at shutdown). */
  flushAll(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds && this.flush(); i++);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
    this.flushAll();
  }
}
