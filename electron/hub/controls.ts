import type { ControlResponseStats } from '../../shared/api/contract';

export interface ControlResult {
  device: string;
  control: string;
  req: string;
  outcome: 'confirmed' | 'failed';
  value?: unknown;
  error?: string;
}

interface Pending {
  device: string;
  control: string;
  sentAt: number;
  deadline: number;
}

const MAX_PENDING = 1000;
const MAX_RESULTS = 200;
/** Response times kept per device (a ring: the newest replace the oldest). */
export const RESPONSE_SAMPLES = 100;
/** Devices with response statistics at most; the least recently answered is dropped first. */
export const MAX_STAT_DEVICES = 1000;

/** One device's control response times (a fixed ring) and outcome counts since the panel started. */
class DeviceResponses {
  readonly ms = new Float64Array(RESPONSE_SAMPLES);
  n = 0;
  next = 0;
  confirmed = 0;
  timeouts = 0;
  refused = 0;
  lastMs: number | null = null;
  cached: ControlResponseStats | null = null;

  confirm(ms: number): void {
    this.ms[this.next] = ms;
    this.next = (this.next + 1) % RESPONSE_SAMPLES;
    this.n = Math.min(this.n + 1, RESPONSE_SAMPLES);
    this.confirmed++;
    this.lastMs = ms;
    this.cached = null;
  }

  stats(): ControlResponseStats {
    if (this.cached) return this.cached;
    const sorted = this.ms.slice(0, this.n).sort();
    // nearest rank: the smallest sample with at least p% of the samples at or below it
    const rank = (p: number) => (this.n ? sorted[Math.max(0, Math.ceil((p / 100) * this.n) - 1)]! : null);
    this.cached = {
      count: this.confirmed,
      failed: this.timeouts + this.refused,
      timeouts: this.timeouts,
      refused: this.refused,
      samples: this.n,
      p50Ms: rank(50),
      p95Ms: rank(95),
      maxMs: this.n ? sorted[this.n - 1]! : null,
      lastMs: this.lastMs,
    };
    return this.cached;
  }
}

/**
 * Control commands waiting for the device's state report (PROTOCOL.md section 8): pending until a
 * report with the same `req` arrives (confirmed) or the timeout passes (failed).
 */
export class ControlTracker {
  private readonly pending = new Map<string, Pending>();
  /** Per device, in least-recently-answered first order (a Map keeps insertion order). */
  private readonly responses = new Map<string, DeviceResponses>();
  /** Devices whose statistics changed since takeChanged(). */
  private changed = new Set<string>();
  private results: ControlResult[] = [];
  private counter = 0;

  /** `onResult`: a command was confirmed or failed (someone is waiting to see it). */
  constructor(private readonly timeoutMs = 5000, private readonly onResult: () => void = () => {}) {}

  nextReq(): string {
    this.counter = (this.counter + 1) % 1e9;
    return `r${Date.now().toString(36)}${this.counter.toString(36)}`;
  }

  add(req: string, device: string, control: string, now = Date.now()): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value as string;
      this.fail(oldest);
    }
    this.pending.set(req, { device, control, sentAt: now, deadline: now + this.timeoutMs });
  }

  /**
   * A report from `device` answering `req`: confirms the pending command with the control's new
   * value, or fails it when the device says {"error": ...} (e.g. unknown_control).
   */
  report(device: string, req: unknown, state: Record<string, unknown> | null, error?: unknown, now = Date.now()): void {
    if (typeof req !== 'string') return;
    const p = this.pending.get(req);
    if (!p || p.device !== device) return;
    if (error !== undefined && error !== null) return this.fail(req, typeof error === 'string' ? error.slice(0, 64) : 'refused');
    if (!state) return;
    this.pending.delete(req);
    this.device(device).confirm(Math.max(0, now - p.sentAt));
    const value = Object.prototype.hasOwnProperty.call(state, p.control) ? state[p.control] : undefined;
    this.push({ device, control: p.control, req, outcome: 'confirmed', ...(value !== undefined ? { value } : {}) });
  }

  fail(req: string, error = 'timeout'): void {
    const p = this.pending.get(req);
    if (!p) return;
    this.pending.delete(req);
    const r = this.device(p.device);
    if (error === 'timeout') r.timeouts++;
    else r.refused++;
    r.cached = null;
    this.push({ device: p.device, control: p.control, req, outcome: 'failed', error });
  }

  /**
   * How fast `device` confirms control commands: from add() (the command sent) to the state report
   * echoing its req, over the last RESPONSE_SAMPLES confirmations; null when none was answered or failed.
   */
  stats(device: string): ControlResponseStats | null {
    return this.responses.get(device)?.stats() ?? null;
  }

  /** Devices whose statistics changed since the last call (so their summary goes to the UIs). */
  takeChanged(): string[] {
    const ids = [...this.changed];
    this.changed = new Set();
    return ids;
  }

  /** Drops a forgotten device's statistics and its commands still waiting (they would count again). */
  forget(device: string): void {
    this.responses.delete(device);
    this.changed.delete(device);
    for (const [req, p] of this.pending) if (p.device === device) this.pending.delete(req);
  }

  /** Fails every command past its deadline. */
  expire(now = Date.now()): void {
    for (const [req, p] of this.pending) if (p.deadline <= now) this.fail(req);
  }

  take(): ControlResult[] {
    const r = this.results;
    this.results = [];
    return r;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The device's statistics, made most recently used (the least recently used goes past MAX_STAT_DEVICES). */
  private device(id: string): DeviceResponses {
    let r = this.responses.get(id);
    if (r) this.responses.delete(id);
    else {
      r = new DeviceResponses();
      if (this.responses.size >= MAX_STAT_DEVICES) {
        const oldest = this.responses.keys().next().value as string;
        this.responses.delete(oldest);
        this.changed.delete(oldest);
      }
    }
    this.responses.set(id, r);
    this.changed.add(id);
    return r;
  }

  private push(r: ControlResult): void {
    this.results.push(r);
    if (this.results.length > MAX_RESULTS) this.results.shift();
    this.onResult();
  }
}
