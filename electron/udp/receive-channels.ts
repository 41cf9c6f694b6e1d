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

  canTake(seq: number, bytes: number): boolean {
    const d = seqDiff(seq, this.expected);
    return d === 0 || (d > 0 && d < this.window && this.bufferedBytes + bytes <= this.maxBytes);
  }

  /** Adds a complete message; returns what can now be delivered, in order. */
  push(seq: number, data: Uint8Array): Uint8Array[] {
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

  canTake(seq: number): boolean {
    const d = seqDiff(seq, this.floor);
    return d >= 0 && d < this.window;
  }

  accept(seq: number): void {
    if (seq !== this.floor) {
      this.seen.add(seq);
      return;
    }
    this.floor = (this.floor + 1) >>> 0;
    while (this.seen.delete(this.floor)) this.floor = (this.floor + 1) >>> 0;
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
