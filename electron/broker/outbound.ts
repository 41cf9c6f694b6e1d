import type { Duplex } from 'node:stream';

/** Bytes queued by all sessions together, against a broker-wide cap. */
export interface QueueBudget {
  bytes: number;
  readonly max: number;
}

/**
 * An ack waiting in a queue, as a small integer instead of a 5-6 byte buffer (acks are half of all
 * frames): msgId * 512 + status * 2 + 1 for a status RESPONSE, msgId * 512 for the empty one.
 */
type QueuedAck = number;

const ackLength = (ack: QueuedAck): number => ((ack & 1) === 1 ? 6 : 5);

/**
 * A session's outbound frames, bounded in bytes and frames. Frames queued within one tick leave
 * in a single write (coalescing); while the socket asks us to wait ('drain'), frames stay here and
 * the oldest are dropped past the bound, counted. `blockedSince` lets the broker close a
 * consumer that never drains. A write the socket took while full stays in the budget until 'drain':
 * bytes a stopped reader never takes count against every queue's room, wherever they wait.
 */
export class OutboundQueue {
  /**
   * Queued frames are frames[head..tail). The array is reused from flush to flush: emptying it
   * with `length = 0` would make V8 drop its backing store and allocate a new one at the next
   * push, twice per routed message (the sender's ack, the receiver's delivery).
   */
  private frames: (Uint8Array | QueuedAck)[] = [];
  private head = 0;
  private tail = 0;
  private scheduled = false;
  bytes = 0;
  dropped = 0;
  written = 0;
  /** ms timestamp since the socket refused more data, 0 when it is flowing. */
  blockedSince = 0;
  /** Bytes of writes that filled the socket (at most what it still holds), in the budget until 'drain'. */
  held = 0;
  /** The first frame ever queued has not been written yet (drop-oldest passes it over). */
  private firstWaiting = true;

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
      this.releaseHeld();
      this.flush();
    });
  }

  get depth(): number {
    return this.tail - this.head;
  }

  /** Queues a frame; returns how many older frames were dropped to make room. */
  push(frame: Uint8Array): number {
    return this.enqueue(frame, frame.length);
  }

  /** Queues a RESPONSE without allocating: status 0..255, or -1 for the empty (legacy) one. */
  pushAck(msgId: number, status: number): number {
    const ack: QueuedAck = status < 0 ? msgId * 512 : msgId * 512 + status * 2 + 1;
    return this.enqueue(ack, ackLength(ack));
  }

  private enqueue(frame: Uint8Array | QueuedAck, length: number): number {
    let dropped = 0;
    const budget = this.budget;
    // The first frame (the login reply) stays while it waits: a device whose first frame is
    // anything else takes its login as failed (docs/PROTOCOL.md section 3.1).
    const kept = this.firstWaiting ? 1 : 0;
    while (this.depth > kept && (this.depth >= this.maxFrames || this.bytes + length > this.maxBytes || budget.bytes + length > budget.max)) {
      const at = this.head + kept;
      const old = this.frames[at]!;
      const oldLength = typeof old === 'number' ? ackLength(old) : old.length;
      // The kept first frame moves up into the dropped one's slot.
      if (kept === 1) this.frames[at] = this.frames[this.head]!;
      this.frames[this.head] = 0;
      this.head++;
      this.bytes -= oldLength;
      budget.bytes -= oldLength;
      dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.tail) {
      this.frames = this.frames.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    this.frames[this.tail++] = frame;
    this.bytes += length;
    budget.bytes += length;
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
    const frames = this.frames;
    const bytes = this.bytes;
    const only = this.depth === 1 ? frames[this.head]! : null;
    let buffer: Uint8Array;
    if (only !== null && typeof only !== 'number') {
      buffer = only;
    } else {
      // One buffer per flush (from Node's pool when small) instead of a buffer per ack.
      buffer = Buffer.allocUnsafe(bytes);
      let at = 0;
      for (let k = this.head; k < this.tail; k++) {
        const frame = frames[k]!;
        if (typeof frame === 'number') {
          at = writeAck(buffer, at, frame);
        } else {
          buffer.set(frame, at);
          at += frame.length;
        }
      }
    }
    this.release(frames);
    this.firstWaiting = false;
    this.bytes = 0;
    this.budget.bytes -= bytes;
    this.written += bytes;
    if (this.stream.write(buffer)) return;
    this.held += bytes;
    this.budget.bytes += bytes;
    if (this.blockedSince === 0) this.blockedSince = this.clock();
  }

  /** Empties the queue and gives back its budget (the session is closing). */
  clear(): void {
    this.releaseHeld();
    this.budget.bytes -= this.bytes;
    this.frames = [];
    this.head = 0;
    this.tail = 0;
    this.bytes = 0;
  }

  private releaseHeld(): void {
    this.budget.bytes -= this.held;
    this.held = 0;
  }

  /** Empties the queue after a write, keeping the array but not the frames it held. */
  private release(frames: (Uint8Array | QueuedAck)[]): void {
    if (frames.length > 1024) {
      this.frames = []; // after a burst: do not keep a large array for a quiet session
    } else {
      for (let k = this.head; k < this.tail; k++) frames[k] = 0;
    }
    this.head = 0;
    this.tail = 0;
  }
}

/** Writes a queued ack as RESPONSE bytes at `at`; returns the index after it. */
function writeAck(out: Uint8Array, at: number, ack: QueuedAck): number {
  const msgId = ack >>> 9;
  out[at] = 0;
  out[at + 1] = msgId >>> 8;
  out[at + 2] = msgId & 0xff;
  out[at + 3] = 0;
  if ((ack & 1) === 0) {
    out[at + 4] = 0;
    return at + 5;
  }
  out[at + 4] = 1;
  out[at + 5] = (ack >>> 1) & 0xff;
  return at + 6;
}
