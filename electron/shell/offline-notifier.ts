/**
 * Desktop notifications for devices that go offline and stay offline longer than a grace period
 * (the hub's offlineGraceSeconds setting), so a quick reconnect never pings the user. Bounded: at most
 * MAX_TRACKED pending devices, and at most BURST notifications per window; the rest become one summary.
 */
export interface OfflineNotifierOptions {
  /** Current grace period in ms (looked up when a device goes offline). */
  graceMs: () => Promise<number> | number;
  enabled: () => boolean;
  notify: (title: string, body: string) => void;
  /** The name users know the device by (their label), looked up when the notification fires. */
  displayName?: (id: string) => Promise<string> | string;
  now?: () => number;
}

export const MAX_TRACKED = 1000;
export const BURST = 3;
export const BURST_WINDOW_MS = 10_000;

export class OfflineNotifier {
  private readonly pending = new Map<string, { token: symbol; timer?: ReturnType<typeof setTimeout> }>();
  private readonly recent: number[] = [];
  private suppressed = 0;
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  private disposed = false;

  constructor(private readonly options: OfflineNotifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A device's session closed: notify after the grace period unless it comes back. */
  offline(id: string, reason: string): void {
    if (this.disposed || !this.options.enabled()) return;
    this.cancel(id);
    if (this.pending.size >= MAX_TRACKED) return;
    const entry: { token: symbol; timer?: ReturnType<typeof setTimeout> } = { token: Symbol(id) };
    this.pending.set(id, entry);
    void Promise.resolve(this.options.graceMs())
      .catch(() => 0)
      .then((grace) => {
        if (this.pending.get(id) !== entry) return; // came back (or replaced) while we looked up the grace
        entry.timer = setTimeout(() => this.fire(id, reason), Math.max(0, grace));
      });
  }

  /** A device logged in again: forget its pending notification. */
  online(id: string): void {
    this.cancel(id);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const id of [...this.pending.keys()]) this.cancel(id);
    clearTimeout(this.summaryTimer);
  }

  private cancel(id: string): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
  }

  private fire(id: string, reason: string): void {
    this.pending.delete(id);
    if (!this.options.enabled()) return;
    const now = this.now();
    while (this.recent.length > 0 && now - this.recent[0]! >= BURST_WINDOW_MS) this.recent.shift();
    if (this.recent.length < BURST) {
      this.recent.push(now);
      const named = this.options.displayName ?? ((x: string) => x);
      void Promise.resolve(named(id))
        .catch(() => id)
        .then((name) => !this.disposed && this.options.notify(`${name === id ? id : `${name} (${id})`} is offline`, `Disconnected: ${reason}`));
      return;
    }
    this.suppressed += 1;
    if (this.summaryTimer === undefined) {
      const wait = BURST_WINDOW_MS - (now - this.recent[0]!);
      this.summaryTimer = setTimeout(() => this.flushSummary(), wait);
    }
  }

  private flushSummary(): void {
    this.summaryTimer = undefined;
    const count = this.suppressed;
    this.suppressed = 0;
    if (count === 0 || this.disposed) return;
    this.recent.push(this.now());
    this.options.notify(`${count} more device${count === 1 ? '' : 's'} offline`, 'Open HyperTCP Panel for details.');
  }
}
