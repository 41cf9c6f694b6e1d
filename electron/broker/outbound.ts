import type { Duplex } from 'node:stream';

/** Bytes queued by all sessions together, against a broker-wide cap. */
export interface QueueBudget {
  bytes: number;
  readonly max: number;
}

/**
 * A session's outbound frames, bounded in bytes and frames. Frames queued within one tick leave
 * in a single write (coalescing); while the socket asks us to wait ('drain'), frames stay here and
 * the oldest are dropped past the bound, counted. `blockedSince` lets the broker close a
 * consumer that never drains.
 */
export class OutboundQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  private scheduled = false;
  bytes = 0;
  dropped = 0;
  written = 0;
  /** ms timestamp since the socket refused more data, 0 when it is flowing. */
  blockedSince = 0;

  constructor(
    private readonly stream: Duplex,
    private readonly maxBytes: number,
    private readonly maxFrames: number,
    private readonly schedule: (queue: OutboundQueue) => void,
    private readonly clock: () => number,
    private readonly budget: QueueBudget = { bytes: 0, max: Infinity },
  ) {
    stream.on('drain', () => {
      this.blockedSince = 0;
      this.flush();
    });
  }

  get depth(): number {
    return this.frames.length - this.head;
  }

  /** Queues a frame; returns how many older frames were dropped to make room. */
  push(frame: Uint8Array): number {
    let dropped = 0;
    const budget = this.budget;
    while (
      this.depth > 0 &&
      (this.depth >= this.maxFrames || this.bytes + frame.length > this.maxBytes || budget.bytes + frame.length > budget.max)
    ) {
      const old = this.frames[this.head]!;
      this.frames[this.head] = EMPTY_FRAME;
      this.head++;
      this.bytes -= old.length;
      budget.bytes -= old.length;
      dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    budget.bytes += frame.length;
    this.dropped += dropped;
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this);
    }
    return dropped;
  }

  /** Writes everything queued in one write, unless the socket is waiting for 'drain'. */
  flush(force = false): void {
    this.scheduled = false;
    if (this.depth === 0 || this.stream.destroyed || this.stream.writableEnded) return;
    if (!force && this.stream.writableNeedDrain) return;
    const batch = this.head === 0 ? this.frames : this.frames.slice(this.head);
    const bytes = this.bytes;
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
    this.budget.bytes -= bytes;
    this.written += bytes;
    const buffer = batch.length === 1 ? batch[0]! : Buffer.concat(batch, bytes);
    if (!this.stream.write(buffer) && this.blockedSince === 0) this.blockedSince = this.clock();
  }

  clear(): void {
    this.budget.bytes -= this.bytes;
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
  }
}

const EMPTY_FRAME = new Uint8Array(0);
