import { Command, HEADER_SIZE } from '../../shared/protocol/constants';
import type { FrameEvent } from './types';
import { deliveredFrame } from './wire';

/**
 * The 'out' event of a frame the broker sent. Its payload view is made only when a listener reads
 * it (a counting listener never does), so tracing a delivery costs one object.
 */
export class OutFrameEvent implements FrameEvent {
  readonly dir = 'out' as const;
  readonly cmd: number;
  readonly msgId: number;
  readonly size: number;
  readonly status = null;
  recipients?: number;
  private view: Uint8Array | null = null;

  constructor(
    readonly ts: number,
    readonly device: string,
    readonly from: string,
    readonly to: string,
    private readonly frame: Uint8Array,
  ) {
    this.cmd = frame[0]!;
    this.msgId = (frame[1]! << 8) | frame[2]!;
    this.size = frame.length - HEADER_SIZE;
  }

  /** The frame's payload bytes (shares memory with the frame: copy before keeping). */
  get payload(): Uint8Array {
    return (this.view ??= this.frame.subarray(HEADER_SIZE));
  }
}

/**
 * The 'in' event of a JSON message the native wire routed (native-hooks.ts): its payload, the
 * sender's envelope at source[start, end), is viewed only when a listener reads it. `source` is
 * the wire's batch, which nothing reuses.
 */
export class RoutedFrameEvent implements FrameEvent {
  readonly dir = 'in' as const;
  readonly cmd = Command.JSON_MESSAGE;
  readonly size: number;
  private view: Uint8Array | null = null;

  constructor(
    readonly ts: number,
    readonly device: string,
    readonly from: string,
    readonly to: string,
    readonly msgId: number,
    readonly status: number,
    private readonly source: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.size = end - start;
  }

  get payload(): Uint8Array {
    return (this.view ??= this.source.subarray(this.start, this.end));
  }
}

/**
 * The 'out' event of a message the native wire delivered (native-hooks.ts): the same fields as the
 * OutFrameEvent of the frame the receiver got, whose payload (`prefix` + source[start, end) + `}`)
 * is built only when a listener reads it. `source` is the wire's batch, which nothing reuses.
 */
export class DeliveryFrameEvent implements FrameEvent {
  readonly dir = 'out' as const;
  readonly cmd = Command.JSON_MESSAGE;
  readonly size: number;
  readonly status = null;
  private view: Uint8Array | null = null;

  constructor(
    readonly ts: number,
    readonly device: string,
    readonly from: string,
    readonly to: string,
    readonly msgId: number,
    private readonly prefix: Uint8Array,
    private readonly source: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.size = prefix.length + (end - start) + 1;
  }

  get payload(): Uint8Array {
    return (this.view ??= deliveredFrame(this.cmd, this.msgId, this.prefix, this.source.subarray(this.start, this.end)).subarray(HEADER_SIZE));
  }
}
