/**
 * Per-channel receive state. Sequence numbers are u32 and compared with serial arithmetic, so they
 * wrap safely. Every structure is bounded: a message too far ahead is refused (the packet is not
 * acknowledged, so a reliable sender retransmits it later).
 */

/** Signed distance a - b on the u32 circle. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class OrderedReceiver {
  private expected = 0;
  private buffer = new Map<number, Uint8Array>();
  private bufferedBytes = 0;

  constructor(
    private readonly window: number,
    private readonly maxBytes: number,
  ) {}

  isDuplicate(seq: number): boolean {
    return seqDiff(seq, this.expected) < 0 || this.buffer.has(seq);
  }

  /** Bytes of messages held for their turn. */
  get heldBytes(): number {
    return this.bufferedBytes;
  }

  canTake(seq: number, bytes: number): boolean {
    const d = seqDiff(seq, this.expected);
    return d === 0 || (d > 0 && d < this.window && this.bufferedBytes + bytes <= this.maxBytes);
  }

  /**
   * Adds a complete message; returns what can now be delivered, in order, or null for a duplicate
   * (kept, one below `expected` would never be delivered nor freed).
   */
  push(seq: number, data: Uint8Array): Uint8Array[] | null {
    if (this.isDuplicate(seq)) return null;
    if (seq !== this.expected) {
      this.buffer.set(seq, data);
      this.bufferedBytes += data.length;
      return [];
    }
    const out = [data];
    this.expected = (this.expected + 1) >>> 0;
    for (let next = this.buffer.get(this.expected); next; next = this.buffer.get(this.expected)) {
      this.buffer.delete(this.expected);
      this.bufferedBytes -= next.length;
      out.push(next);
      this.expected = (this.expected + 1) >>> 0;
    }
    return out;
  }
}

export class UnorderedReceiver {
  private floor = 0;
  private seen = new Set<number>();

  constructor(private readonly window: number) {}

  isDuplicate(seq: number): boolean {
    return seqDiff(seq, this.floor) < 0 || this.seen.has(seq);
  }

  /** Numbers above the floor remembered as delivered (fewer than the window). */
  get heldNumbers(): number {
    return this.seen.size;
  }

  canTake(seq: number): boolean {
    const d = seqDiff(seq, this.floor);
    return d >= 0 && d < this.window;
  }

  /** False for a duplicate: delivered already (one below `floor` kept in `seen` would never leave). */
  accept(seq: number): boolean {
    if (this.isDuplicate(seq)) return false;
    if (seq !== this.floor) {
      this.seen.add(seq);
      return true;
    }
    this.floor = (this.floor + 1) >>> 0;
    while (this.seen.delete(this.floor)) this.floor = (this.floor + 1) >>> 0;
    return true;
  }
}

/** Latest value wins: a message older than the newest delivered one is stale. */
export class UnreliableReceiver {
  private last = -1;

  isStale(seq: number): boolean {
    return this.last >= 0 && seqDiff(seq, this.last) <= 0;
  }

  accept(seq: number): void {
    this.last = seq;
  }
}
