import type { TrafficRow } from '../../shared/api/contract';

/** Fixed-capacity ring of the newest traffic rows, for the live view. O(1) push, bounded memory. */
export class TrafficRing {
  private readonly rows: (TrafficRow | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.rows = new Array<TrafficRow | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(row: TrafficRow): void {
    this.rows[this.next] = row;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Newest first: rows with seq < beforeSeq that match, at most `limit`. */
  page(limit: number, beforeSeq = Infinity, match: (row: TrafficRow) => boolean = () => true): TrafficRow[] {
    const out: TrafficRow[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const row = this.rows[(this.next - i + this.capacity) % this.capacity]!;
      if (row.seq < beforeSeq && match(row)) out.push(row);
    }
    return out;
  }

  /** Takes out the rows that match (a forgotten device's), keeping the others in order; returns how many. */
  removeWhere(match: (row: TrafficRow) => boolean): number {
    const kept = this.page(this.count).reverse().filter((row) => !match(row));
    const removed = this.count - kept.length;
    if (removed === 0) return 0;
    this.rows.fill(undefined);
    this.next = 0;
    this.count = 0;
    for (const row of kept) this.push(row);
    return removed;
  }

  oldestSeq(): number | null {
    if (this.count === 0) return null;
    return this.rows[(this.next - this.count + this.capacity) % this.capacity]!.seq;
  }
}
