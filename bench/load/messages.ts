/** Messages between the bench coordinator (main thread) and load worker threads. */
import type { ClientSpec } from './clients';

export type SendMode =
  /** Closed loop: each publisher keeps at most `window` messages in flight (sent, not yet delivered). */
  | { kind: 'saturate'; window: number; batch: number }
  /** Open loop: each publisher sends `perSecond` messages per second, one frame per write. */
  | { kind: 'rate'; perSecond: number };

export interface WorkerClient extends ClientSpec {
  /** Publisher index (payload "src") when this client sends. */
  src?: number;
  /** How many receivers each message from this publisher reaches (for the in-flight window). */
  fanout?: number;
  /** The broker's SUCCESS ack means delivered (messages to "server"): the window counts acks. */
  ackIsDelivery?: boolean;
}

export interface WorkerConfig {
  clients: WorkerClient[];
  mode: SendMode | null;
  /** Int32Array over it: deliveries per publisher index, shared by all workers of a run. */
  delivered: SharedArrayBuffer;
  connectConcurrency: number;
}

export type ToWorker = { type: 'start' } | { type: 'mark' } | { type: 'report' } | { type: 'close' };

export interface WorkerReport {
  type: 'report';
  elapsedMs: number;
  sent: number;
  received: number;
  acksOk: number;
  acksRefused: number;
  /** Messages given up on by the in-flight window after a stall (never delivered in time). */
  forgiven: number;
  errors: number;
  /** Delivery latencies (µs buckets, bench/lib/stats.ts) to the receiver's read of them. */
  histogram: Uint32Array;
  /**
   * The same deliveries to the moment the broker's write reached the receiving socket (the kernel's
   * receive timestamp): the broker's share without the receiver's wake-up. Native generator only.
   */
  socketHistogram?: Uint32Array;
}

export type FromWorker =
  | { type: 'ready'; connected: number }
  | { type: 'failed'; message: string }
  | WorkerReport
  | { type: 'closed' };
