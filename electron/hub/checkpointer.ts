import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';

export interface CheckpointerOptions {
  /** How often the worker runs a PASSIVE checkpoint (ms). */
  everyMs?: number;
  /**
   * WAL pages beyond which the worker counts as falling behind: SQLite's own auto-checkpoint is
   * switched back on (on the event loop) until the WAL is small again, so the WAL stays bounded.
   */
  maxWalPages?: number;
}

export interface CheckpointerStats {
  /** 'worker' when checkpoints run off the event loop, else why they run inside commits. */
  mode: 'worker' | 'in-commit';
  reason: string | null;
  checkpoints: number;
  /** WAL pages at the last checkpoint, and the most seen. */
  walPages: number;
  maxWalPages: number;
  maxCheckpointMs: number;
  /** Times the worker fell behind and SQLite's auto-checkpoint took over for a while. */
  fallbacks: number;
  errors: number;
  lastError: string | null;
}

/** SQLite's default auto-checkpoint threshold (pages), used whenever the worker is not in charge. */
const AUTO_CHECKPOINT_PAGES = 1000;

// The worker holds its own connection and only checkpoints: a PASSIVE checkpoint never blocks
// the writer, and its page copying and fsyncs (the slow part under disk contention) happen here
// instead of inside the event loop's COMMIT.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
const run = () => {
  try {
    const t0 = performance.now();
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ type: 'done', log: r.log, busy: r.busy, ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
  }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop: turns SQLite's automatic checkpoint off on the hub's
 * connection and checkpoints from a worker thread on a timer. If the worker cannot start or dies,
 * the automatic checkpoint comes back on, so the WAL never grows without bound.
 */
export class Checkpointer {
  private worker: Worker | null = null;
  private readonly everyMs: number;
  private readonly maxWal: number;
  private autoOn = true;
  readonly stats: CheckpointerStats = { mode: 'in-commit', reason: 'not started', checkpoints: 0, walPages: 0, maxWalPages: 0, maxCheckpointMs: 0, fallbacks: 0, errors: 0, lastError: null };

  constructor(private readonly db: Db, options: CheckpointerOptions = {}) {
    this.everyMs = options.everyMs ?? 500;
    this.maxWal = options.maxWalPages ?? 16_384;
  }

  start(): void {
    if (this.worker) return;
    if (this.db.memory || this.db.pragma('journal_mode', { simple: true }) !== 'wal') {
      this.stats.reason = 'not a WAL file';
      return;
    }
    try {
      const sqlite = createRequire(import.meta.filename).resolve('better-sqlite3');
      this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'db-checkpoint', workerData: { sqlite, path: this.db.name, everyMs: this.everyMs } });
    } catch (err) {
      this.stats.reason = `worker failed to start: ${(err as Error).message}`;
      return;
    }
    this.worker.unref();
    this.worker.on('message', (m: { type: 'done'; log: number; busy: number; ms: number } | { type: 'error'; message: string }) => this.onMessage(m));
    this.worker.on('error', (err) => this.stop(`worker failed: ${err.message}`));
    this.worker.on('exit', () => this.stop('worker exited'));
    this.setAuto(false);
    this.stats.mode = 'worker';
    this.stats.reason = null;
  }

  private onMessage(m: { type: 'done'; log: number; busy: number; ms: number } | { type: 'error'; message: string }): void {
    if (m.type === 'error') {
      this.stats.errors++;
      this.stats.lastError = m.message;
      return;
    }
    this.stats.checkpoints++;
    this.stats.walPages = m.log;
    this.stats.maxWalPages = Math.max(this.stats.maxWalPages, m.log);
    this.stats.maxCheckpointMs = Math.max(this.stats.maxCheckpointMs, m.ms);
    // Falling behind (e.g. a reader kept an old snapshot): let SQLite checkpoint in commits again.
    if (m.log > this.maxWal && !this.autoOn) {
      this.stats.fallbacks++;
      this.setAuto(true);
    } else if (m.log <= this.maxWal / 2 && this.autoOn && this.worker) {
      this.setAuto(false);
    }
  }

  private setAuto(on: boolean): void {
    if (!this.db.open) return;
    this.db.pragma(`wal_autocheckpoint = ${on ? AUTO_CHECKPOINT_PAGES : 0}`);
    this.autoOn = on;
  }

  private stop(reason: string): void {
    if (!this.worker) return;
    this.worker = null;
    this.setAuto(true);
    this.stats.mode = 'in-commit';
    this.stats.reason = reason;
  }

  /**
   * Stops the worker; resolves once it has closed its connection and exited (bounded: a stuck
   * worker is terminated), so the caller can close the database knowing no other connection will
   * touch its files afterwards. The hub's connection checkpoints on its own again meanwhile.
   */
  close(timeoutMs = 2_000): Promise<void> {
    const w = this.worker;
    if (!w) return Promise.resolve();
    this.stop('closed');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate().finally(resolve), timeoutMs);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage('close');
    });
  }
}
