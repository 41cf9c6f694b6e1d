/**
 * Bounded reassembly of fragmented messages. A peer and the whole transport each have caps on
 * partial messages and on bytes. A new partial is admitted only when the total its first fragment
 * declares fits both byte caps, and it reserves that total (never more than the maximum message
 * size, the most a legitimate message could take) until it completes, expires or its session ends;
 * every further fragment of it is then taken (its bytes are inside the reservation). So a partial
 * that was admitted can always complete: caps full of half-arrived messages can never refuse the
 * fragments they wait for. Memory held stays within the reserved bytes. A partial that does not fit
 * is refused (the sender resends it later), after this peer's oldest unreliable partials give way if
 * that makes room (unreliable messages may be lost; reliable ones' fragments were acknowledged).
 * Partials expire; a fragment that disagrees with its siblings drops the whole message.
 */

export interface ReassemblyLimits {
  maxMessageBytes: number;
  maxFragments: number;
  perPeerPartials: number;
  /** Bytes reserved by one peer's partials (each reserves its declared total). */
  perPeerBytes: number;
  timeoutMs: number;
}

/** Which cap refused a new partial. */
export type RefusalReason = 'peer_partials' | 'peer_bytes' | 'global_partials' | 'global_bytes';

/** Shared by every session of one transport. */
export class ReassemblyBudget {
  partials = 0;
  /** Bytes reserved: each partial's declared total (what the cap counts). */
  bytes = 0;
  /** Bytes that arrived and are held, within `bytes`. */
  held = 0;
  /** New partials refused, by the cap that refused them (a resent fragment counts again). */
  readonly refused: Record<RefusalReason, number> = { peer_partials: 0, peer_bytes: 0, global_partials: 0, global_bytes: 0 };
  /** Unreliable partials dropped to make room for a newer partial of the same peer. */
  evicted = 0;
  constructor(
    readonly maxPartials: number,
    readonly maxBytes: number,
  ) {}
}

interface Partial {
  count: number;
  total: number;
  deflate: boolean;
  unreliable: boolean;
  parts: Map<number, Uint8Array>;
  /** Bytes arrived so far (at most `total`, the reservation). */
  bytes: number;
  startedAt: number;
}

export type FragmentOutcome =
  | { kind: 'partial' }
  | { kind: 'complete'; data: Uint8Array; deflate: boolean }
  /** A new partial over a cap: nothing stored; a reliable sender will retransmit. */
  | { kind: 'refused'; reason: RefusalReason }
  /** Inconsistent or impossible: the message is dropped. */
  | { kind: 'dropped'; reason: string };

export interface Fragment {
  key: number;
  /** Unreliable channel: its partial may give way to a newer partial of the same peer. */
  unreliable: boolean;
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
  /** Bytes reserved by this peer's partials. */
  private reserved = 0;
  private held = 0;

  /** `onEvicted`: an unreliable partial gave way (its message is lost). */
  constructor(
    private readonly limits: ReassemblyLimits,
    private readonly budget: ReassemblyBudget,
    private readonly onEvicted: () => void = () => {},
  ) {}

  get partialCount(): number {
    return this.partials.size;
  }

  /** Bytes reserved by this peer's partials (their declared totals). */
  get partialBytes(): number {
    return this.reserved;
  }

  /** Bytes that arrived and are held. */
  get heldBytes(): number {
    return this.held;
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
    if (p && p.bytes + f.data.length > p.total) {
      this.drop(f.key);
      return { kind: 'dropped', reason: 'fragment_overflow' };
    }
    if (!p) {
      // Only a new partial meets the caps: one admitted has its whole total reserved already.
      const refused = this.admit(f.total);
      if (refused) {
        this.budget.refused[refused]++;
        return { kind: 'refused', reason: refused };
      }
      p = { count: f.count, total: f.total, deflate: f.deflate, unreliable: f.unreliable, parts: new Map(), bytes: 0, startedAt: now };
      this.partials.set(f.key, p);
      this.reserved += f.total;
      this.budget.partials++;
      this.budget.bytes += f.total;
    }
    p.parts.set(f.index, copyOf(f.data));
    p.bytes += f.data.length;
    this.held += f.data.length;
    this.budget.held += f.data.length;
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

  /**
   * Whether a new partial reserving `total` bytes fits every cap, after this peer's oldest unreliable
   * partials give way if that is enough (nothing gives way for nothing); null when it fits.
   */
  private admit(total: number): RefusalReason | null {
    const { limits, budget } = this;
    const over = (partials: number, bytes: number): RefusalReason | null => {
      if (this.partials.size - partials + 1 > limits.perPeerPartials) return 'peer_partials';
      if (this.reserved - bytes + total > limits.perPeerBytes) return 'peer_bytes';
      if (budget.partials - partials + 1 > budget.maxPartials) return 'global_partials';
      if (budget.bytes - bytes + total > budget.maxBytes) return 'global_bytes';
      return null;
    };
    const first = over(0, 0);
    if (!first) return null;
    // Which of this peer's unreliable partials, oldest first, would have to go.
    const victims: number[] = [];
    let partials = 0;
    let bytes = 0;
    for (const [key, p] of this.partials) {
      if (!p.unreliable) continue;
      victims.push(key);
      partials++;
      bytes += p.total;
      if (!over(partials, bytes)) {
        for (const victim of victims) this.drop(victim);
        this.budget.evicted += victims.length;
        for (let i = 0; i < victims.length; i++) this.onEvicted();
        return null;
      }
    }
    return first;
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

  /** Gives back the partial's reservation and the bytes it held. */
  drop(key: number): void {
    const p = this.partials.get(key);
    if (!p) return;
    this.partials.delete(key);
    this.reserved -= p.total;
    this.held -= p.bytes;
    this.budget.partials--;
    this.budget.bytes -= p.total;
    this.budget.held -= p.bytes;
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
