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
  deadline: number;
}

const MAX_PENDING = 1000;
const MAX_RESULTS = 200;

/**
 * Control commands waiting for the device's state report (PROTOCOL.md section 8): pending until a
 * report with the same `req` arrives (confirmed) or the timeout passes (failed).
 */
export class ControlTracker {
  private readonly pending = new Map<string, Pending>();
  private results: ControlResult[] = [];
  private counter = 0;

  constructor(private readonly timeoutMs = 5000) {}

  nextReq(): string {
    this.counter = (this.counter + 1) % 1e9;
    return `r${Date.now().toString(36)}${this.counter.toString(36)}`;
  }

  add(req: string, device: string, control: string, now = Date.now()): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value as string;
      this.fail(oldest);
    }
    this.pending.set(req, { device, control, deadline: now + this.timeoutMs });
  }

  /**
   * A report from `device` answering `req`: confirms the pending command with the control's new
   * value, or fails it when the device says {"error": ...} (e.g. unknown_control).
   */
  report(device: string, req: unknown, state: Record<string, unknown> | null, error?: unknown): void {
    if (typeof req !== 'string') return;
    const p = this.pending.get(req);
    if (!p || p.device !== device) return;
    if (error !== undefined && error !== null) return this.fail(req, typeof error === 'string' ? error.slice(0, 64) : 'refused');
    if (!state) return;
    this.pending.delete(req);
    const value = Object.prototype.hasOwnProperty.call(state, p.control) ? state[p.control] : undefined;
    this.push({ device, control: p.control, req, outcome: 'confirmed', ...(value !== undefined ? { value } : {}) });
  }

  fail(req: string, error = 'timeout'): void {
    const p = this.pending.get(req);
    if (!p) return;
    this.pending.delete(req);
    this.push({ device: p.device, control: p.control, req, outcome: 'failed', error });
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

  private push(r: ControlResult): void {
    this.results.push(r);
    if (this.results.length > MAX_RESULTS) this.results.shift();
  }
}
