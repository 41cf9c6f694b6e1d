import type { Db } from './db';

export type FlushTask = () => void;

/**
 * Runs every registered write task inside one transaction, on a timer (default 250 ms) or sooner
 * when a producer says its queue is large. Keeps SQLite off the per-message path.
 */
export class Flusher {
  private readonly tasks: FlushTask[] = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private readonly runAll: () => void;
  lastError: Error | null = null;
  flushes = 0;

  constructor(private readonly db: Db, private readonly intervalMs = 250) {
    this.runAll = db.transaction(() => {
      for (const task of this.tasks) task();
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

  flush(): void {
    if (!this.db.open) return;
    try {
      this.runAll();
      this.flushes++;
    } catch (err) {
      // Keep running: a failed batch is reported, the producers count what they lost.
      this.lastError = err as Error;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
    this.flush();
  }
}
