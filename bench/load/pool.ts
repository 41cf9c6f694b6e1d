/** Starts load worker threads and talks to them (coordinator side). */
import { Worker } from 'node:worker_threads';
import { benchEntry } from '../lib/entry';
import type { FromWorker, ToWorker, WorkerConfig, WorkerReport } from './messages';

export class LoadWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<FromWorker['type'], (m: FromWorker) => void>();
  private failure: Error | null = null;

  constructor(config: WorkerConfig) {
    this.worker = new Worker(benchEntry('load-worker'), { workerData: config });
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'failed') this.fail(new Error(m.message));
      const resolve = this.waiting.get(m.type);
      this.waiting.delete(m.type);
      resolve?.(m);
    });
    this.worker.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const resolve of this.waiting.values()) resolve({ type: 'failed', message: e.message });
    this.waiting.clear();
  }

  private expect<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(type, (m) => {
        clearTimeout(timer);
        if (m.type === 'failed') reject(new Error(m.message));
        else resolve(m as Extract<FromWorker, { type: T }>);
      });
    });
  }

  ready(timeoutMs = 60_000): Promise<Extract<FromWorker, { type: 'ready' }>> {
    return this.expect('ready', timeoutMs);
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  async report(): Promise<WorkerReport> {
    const reply = this.expect('report', 10_000);
    this.send({ type: 'report' });
    return reply;
  }

  async close(): Promise<void> {
    const closed = this.expect('closed', 5_000).catch(() => undefined);
    this.send({ type: 'close' });
    await closed;
    await this.worker.terminate();
  }
}
