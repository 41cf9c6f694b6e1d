/**
 * Time and timers behind one interface, so the same session code runs on the event loop and on a
 * virtual clock (deterministic lossy-link tests and benchmarks that run faster than real time).
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  after(ms: number, fn: () => void): Timer;
  /** Runs fn soon, after the current batch of work (batching point). */
  defer(fn: () => void): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => setImmediate(fn),
};

interface Scheduled {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/** A discrete-event clock: run() executes scheduled work in time order without waiting. */
export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private queue: Scheduled[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const item: Scheduled = { at: this.time + Math.max(0, ms), order: this.order++, fn, cancelled: false };
    this.insert(item);
    return { cancel: () => (item.cancelled = true) };
  }

  defer(fn: () => void): void {
    this.after(0, fn);
  }

  /** Runs until nothing is scheduled before `until` (absolute ms) or `stop()` says so. */
  run(until: number, stop: () => boolean = () => false): void {
    while (this.queue.length && !stop()) {
      const next = this.queue[0]!;
      if (next.at > until) break;
      this.queue.shift();
      if (next.cancelled) continue;
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    if (!stop()) this.time = Math.max(this.time, until);
  }

  private insert(item: Scheduled): void {
    // Binary search keeps the queue sorted by (at, order).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid]!;
      if (m.at < item.at || (m.at === item.at && m.order < item.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }
}
