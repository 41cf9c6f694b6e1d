/**
 * Bounded reassembly of fragmented messages. Memory is counted as fragments arrive (never for the
 * total a fragment declares); a peer and the whole transport each have caps on partial messages and
 * bytes; partials expire; a fragment that disagrees with its siblings drops the whole message.
 */

export interface ReassemblyLimits {
  maxMessageBytes: number;
  maxFragments: number;
  perPeerPartials: number;
  perPeerBytes: number;
  timeoutMs: number;
}

/** Shared by every session of one transport. */
export class ReassemblyBudget {
  partials = 0;
  bytes = 0;
  constructor(
    readonly maxPartials: number,
    readonly maxBytes: number,
  ) {}
}

interface Partial {
  count: number;
  total: number;
  deflate: boolean;
  parts: Map<number, Uint8Array>;
  bytes: number;
  startedAt: number;
}

export type FragmentOutcome =
  | { kind: 'partial' }
  | { kind: 'complete'; data: Uint8Array; deflate: boolean }
  /** Over a cap: nothing stored; a reliable sender will retransmit. */
  | { kind: 'refused' }
  /** Inconsistent or impossible: the message is dropped. */
  | { kind: 'dropped'; reason: string };

export interface Fragment {
  key: number;
  index: number;
  count: number;
  total: number;
  deflate: boolean;
  data: Uint8Array;
}

/**
 * A copy that owns its bytes: frame data is a view into the decrypted datagram (a Node Buffer, whose
 * own slice() is a view too), so keeping it would keep the whole datagram for a few counted bytes.
 */
export function copyOf(data: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(data);
}

export class Reassembler {
  private partials = new Map<number, Partial>();
  private bytes = 0;

  constructor(
    private readonly limits: ReassemblyLimits,
    private readonly budget: ReassemblyBudget,
  ) {}

  get partialCount(): number {
    return this.partials.size;
  }

  get partialBytes(): number {
    return this.bytes;
  }

  add(f: Fragment, now: number): FragmentOutcome {
    const { limits } = this;
    if (f.total > limits.maxMessageBytes || f.count > limits.maxFragments || f.data.length === 0 || f.data.length > f.total || f.total < f.count) {
      this.drop(f.key);
      return { kind: 'dropped', reason: 'fragment_bounds' };
    }
    let p = this.partials.get(f.key);
    if (p && (p.count !== f.count || p.total !== f.total || p.deflate !== f.deflate)) {
      this.drop(f.key);
      return { kind: 'dropped', reason: 'fragment_mismatch' };
    }
    if (p?.parts.has(f.index)) {
      const seen = p.parts.get(f.index)!;
      if (!sameBytes(seen, f.data)) {
        this.drop(f.key);
        return { kind: 'dropped', reason: 'fragment_mismatch' };
      }
      return { kind: 'partial' };
    }
    const newPartial = p ? 0 : 1;
    if (this.partials.size + newPartial > limits.perPeerPartials || this.budget.partials + newPartial > this.budget.maxPartials) return { kind: 'refused' };
    if (this.bytes + f.data.length > limits.perPeerBytes || this.budget.bytes + f.data.length > this.budget.maxBytes) return { kind: 'refused' };
    if (p && p.bytes + f.data.length > p.total) {
      this.drop(f.key);
      return { kind: 'dropped', reason: 'fragment_overflow' };
    }
    if (!p) {
      p = { count: f.count, total: f.total, deflate: f.deflate, parts: new Map(), bytes: 0, startedAt: now };
      this.partials.set(f.key, p);
      this.budget.partials++;
    }
    p.parts.set(f.index, copyOf(f.data));
    p.bytes += f.data.length;
    this.bytes += f.data.length;
    this.budget.bytes += f.data.length;
    if (p.parts.size < p.count) return { kind: 'partial' };
    if (p.bytes !== p.total) {
      this.drop(f.key);
      return { kind: 'dropped', reason: 'fragment_total' };
    }
    const data = new Uint8Array(p.total);
    let at = 0;
    for (let i = 0; i < p.count; i++) {
      const part = p.parts.get(i)!;
      data.set(part, at);
      at += part.length;
    }
    this.drop(f.key);
    return { kind: 'complete', data, deflate: p.deflate };
  }

  /** Drops partials older than the timeout; returns the keys dropped. */
  expire(now: number): number[] {
    const gone: number[] = [];
    for (const [key, p] of this.partials) if (now - p.startedAt >= this.limits.timeoutMs) gone.push(key);
    for (const key of gone) this.drop(key);
    return gone;
  }

  has(key: number): boolean {
    return this.partials.has(key);
  }

  drop(key: number): void {
    const p = this.partials.get(key);
    if (!p) return;
    this.partials.delete(key);
    this.bytes -= p.bytes;
    this.budget.bytes -= p.bytes;
    this.budget.partials--;
  }

  clear(): void {
    for (const key of [...this.partials.keys()]) this.drop(key);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
