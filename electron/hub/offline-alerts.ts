/**
 * Offline alerts: a device that goes offline and stays offline longer than a grace period (the
 * hub's offlineGraceSeconds setting) raises one alert, so a quick reconnect never pings anyone.
 * The hub owns this once for both modes: its alerts become warning notices for every UI, and the
 * desktop shell turns them into native notifications. Bounded: at most MAX_TRACKED pending devices,
 * and at most BURST alerts per window; the rest become one summary.
 */
import { deviceName } from '../../shared/api/device-name';
import { reasonText } from '../../shared/api/reason-text';

export type OfflineAlert =
  | { kind: 'device'; id: string; label: string | null; reason: string; offlineMs: number }
  | { kind: 'summary'; count: number };

export interface OfflineNotifierOptions {
  /** Current grace period in ms (looked up when a device goes offline). */
  graceMs: () => number;
  enabled: () => boolean;
  alert: (alert: OfflineAlert) => void;
  /** The name users gave the device (their label), looked up when the alert fires. */
  label?: (id: string) => string | null;
  /** Checked when the grace ends: a device that is back (through a session not seen here) raises nothing. */
  stillOffline?: (id: string) => boolean;
  now?: () => number;
}

export const MAX_TRACKED = 1000;
export const BURST = 3;
export const BURST_WINDOW_MS = 10_000;

interface Pending {
  since: number;
  timer: ReturnType<typeof setTimeout>;
}

export class OfflineNotifier {
  private readonly pending = new Map<string, Pending>();
  private readonly recent: number[] = [];
  private suppressed = 0;
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  private disposed = false;

  constructor(private readonly options: OfflineNotifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A device's session closed: alert after the grace period unless it comes back. */
  offline(id: string, reason: string): void {
    if (this.disposed || !this.options.enabled()) return;
    this.cancel(id);
    if (this.pending.size >= MAX_TRACKED) return;
    const since = this.now();
    const timer = setTimeout(() => this.fire(id, reason, since), Math.max(0, this.options.graceMs()));
    timer.unref?.(); // a pending alert never keeps a process alive
    this.pending.set(id, { since, timer });
  }

  /** A device logged in again (or was forgotten): forget its pending alert. */
  online(id: string): void {
    this.cancel(id);
  }

  /**
   * The user stopped every device on purpose (a broker pause, a shutdown): alerts already pending
   * for devices that dropped just before are not news any more; none of them fires, even after a resume.
   */
  cancelAll(): void {
    for (const id of [...this.pending.keys()]) this.cancel(id);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelAll();
    clearTimeout(this.summaryTimer);
  }

  private cancel(id: string): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
  }

  private fire(id: string, reason: string, since: number): void {
    this.pending.delete(id);
    if (this.disposed || !this.options.enabled()) return;
    if (this.options.stillOffline && !this.options.stillOffline(id)) return;
    const now = this.now();
    while (this.recent.length > 0 && now - this.recent[0]! >= BURST_WINDOW_MS) this.recent.shift();
    if (this.recent.length < BURST) {
      this.recent.push(now);
      this.options.alert({ kind: 'device', id, label: this.options.label?.(id) ?? null, reason, offlineMs: now - since });
      return;
    }
    this.suppressed += 1;
    if (this.summaryTimer === undefined) {
      const wait = BURST_WINDOW_MS - (now - this.recent[0]!);
      this.summaryTimer = setTimeout(() => this.flushSummary(), wait);
      this.summaryTimer.unref?.();
    }
  }

  private flushSummary(): void {
    this.summaryTimer = undefined;
    const count = this.suppressed;
    this.suppressed = 0;
    if (count === 0 || this.disposed) return;
    this.recent.push(this.now());
    this.options.alert({ kind: 'summary', count });
  }
}

/** "30 s", "4 min", "2 h 5 min". */
export function offlineFor(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return m % 60 === 0 ? `${Math.floor(m / 60)} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The words of an alert: one line for a notice, a title and body for a native notification. */
export function alertText(alert: OfflineAlert): { line: string; title: string; body: string } {
  if (alert.kind === 'summary') {
    const title = `${alert.count} more device${alert.count === 1 ? '' : 's'} offline`;
    return { line: `${title} (see Devices, filter Offline)`, title, body: 'Open HyperTCP Panel for details.' };
  }
  const name = deviceName(alert.id, alert.label);
  const body = `${reasonText(alert.reason)} — for ${offlineFor(alert.offlineMs)}`;
  return { line: `${name} is offline: ${body}`, title: `${name} is offline`, body };
}
