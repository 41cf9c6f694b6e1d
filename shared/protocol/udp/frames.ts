import { readU64, writeU64 } from './wire';

/**
 * Frames inside the encrypted part of a datagram (docs/PROTOCOL.md 9.4). Several frames share one
 * datagram (batching). Integers big-endian.
 *
 *   ACK   01 | largest u64 | delay_ms u16 | mask u64 (bit i set = packet largest-1-i received)
 *   PING  02                                  heartbeat; ack-eliciting, carries nothing
 *   CLOSE 03 | reason u8
 *   MSG   04 | flags u8 | seq u32 | [index u16 | count u16 | total u32 when FRAGMENT] | len u16 | data
 *   WINDOW 05 | window u16                  reliable messages the sender of this frame holds ahead
 *         flags: bits 0-1 channel, bit 2 DEFLATE, bit 3 FRAGMENT; other bits zero
 */

export const FrameType = { ACK: 1, PING: 2, CLOSE: 3, MSG: 4, WINDOW: 5 } as const;

export const Channel = { UNRELIABLE: 0, RELIABLE_ORDERED: 1, RELIABLE_UNORDERED: 2 } as const;
export type ChannelCode = (typeof Channel)[keyof typeof Channel];

export const MSG_DEFLATE = 0x04;
export const MSG_FRAGMENT = 0x08;

export const CloseReason = { NORMAL: 0, TIMEOUT: 1, PROTOCOL: 2, EXHAUSTED: 3, REPLACED: 4, SHUTDOWN: 5 } as const;

export const ACK_FRAME_BYTES = 19;
export const MSG_HEADER_BYTES = 8;
export const FRAGMENT_HEADER_BYTES = 16;

export interface AckFrame {
  type: 1;
  largest: number;
  delayMs: number;
  /** Bit i set: packet largest-1-i was received. */
  mask: bigint;
}
export interface MsgFrame {
  type: 4;
  channel: ChannelCode;
  deflate: boolean;
  seq: number;
  /** Present on fragments of a message larger than one datagram. */
  fragment: { index: number; count: number; total: number } | null;
  data: Uint8Array;
}
export type Frame = AckFrame | { type: 2 } | { type: 3; reason: number } | MsgFrame | { type: 5; window: number };

export type FramesResult = { ok: true; frames: Frame[] } | { ok: false; error: string };

/** Parses every frame of a decrypted datagram; any malformed frame rejects the whole datagram. */
export function decodeFrames(p: Uint8Array): FramesResult {
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const frames: Frame[] = [];
  let i = 0;
  if (p.length === 0) return { ok: false, error: 'empty' };
  while (i < p.length) {
    const type = p[i]!;
    if (type === FrameType.ACK) {
      if (i + ACK_FRAME_BYTES > p.length) return { ok: false, error: 'ack_truncated' };
      const largest = readU64(view, i + 1);
      if (largest < 0) return { ok: false, error: 'ack_range' };
      const mask = (BigInt(view.getUint32(i + 11)) << 32n) | BigInt(view.getUint32(i + 15));
      frames.push({ type: 1, largest, delayMs: view.getUint16(i + 9), mask });
      i += ACK_FRAME_BYTES;
    } else if (type === FrameType.PING) {
      frames.push({ type: 2 });
      i += 1;
    } else if (type === FrameType.CLOSE) {
      if (i + 2 > p.length) return { ok: false, error: 'close_truncated' };
      frames.push({ type: 3, reason: p[i + 1]! });
      i += 2;
    } else if (type === FrameType.WINDOW) {
      if (i + 3 > p.length) return { ok: false, error: 'window_truncated' };
      const window = view.getUint16(i + 1);
      if (window === 0) return { ok: false, error: 'window_zero' };
      frames.push({ type: 5, window });
      i += 3;
    } else if (type === FrameType.MSG) {
      const parsed = decodeMsg(p, view, i);
      if (typeof parsed === 'string') return { ok: false, error: parsed };
      frames.push(parsed.frame);
      i = parsed.next;
    } else {
      return { ok: false, error: 'unknown_frame' };
    }
  }
  return { ok: true, frames };
}

function decodeMsg(p: Uint8Array, view: DataView, i: number): { frame: MsgFrame; next: number } | string {
  if (i + MSG_HEADER_BYTES > p.length) return 'msg_truncated';
  const flags = p[i + 1]!;
  const channel = flags & 0x03;
  if (channel === 3 || flags & 0xf0) return 'msg_flags';
  const seq = view.getUint32(i + 2);
  let at = i + 6;
  let fragment: MsgFrame['fragment'] = null;
  if (flags & MSG_FRAGMENT) {
    if (i + FRAGMENT_HEADER_BYTES > p.length) return 'msg_truncated';
    fragment = { index: view.getUint16(at), count: view.getUint16(at + 2), total: view.getUint32(at + 4) };
    if (fragment.count < 2 || fragment.index >= fragment.count) return 'fragment_index';
    at += 8;
  }
  const len = view.getUint16(at);
  at += 2;
  if (at + len > p.length) return 'msg_truncated';
  const frame: MsgFrame = {
    type: 4,
    channel: channel as ChannelCode,
    deflate: (flags & MSG_DEFLATE) !== 0,
    seq,
    fragment,
    data: p.subarray(at, at + len),
  };
  return { frame, next: at + len };
}

export function msgFrameBytes(dataLength: number, fragmented: boolean): number {
  return (fragmented ? FRAGMENT_HEADER_BYTES : MSG_HEADER_BYTES) + dataLength;
}

/** Writes one MSG frame at `at`; returns the offset after it. */
export function writeMsg(out: Uint8Array, at: number, m: Omit<MsgFrame, 'type'>): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[at] = FrameType.MSG;
  out[at + 1] = m.channel | (m.deflate ? MSG_DEFLATE : 0) | (m.fragment ? MSG_FRAGMENT : 0);
  view.setUint32(at + 2, m.seq >>> 0);
  let i = at + 6;
  if (m.fragment) {
    view.setUint16(i, m.fragment.index);
    view.setUint16(i + 2, m.fragment.count);
    view.setUint32(i + 4, m.fragment.total);
    i += 8;
  }
  view.setUint16(i, m.data.length);
  out.set(m.data, i + 2);
  return i + 2 + m.data.length;
}

export function writeAck(out: Uint8Array, at: number, a: Omit<AckFrame, 'type'>): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[at] = FrameType.ACK;
  writeU64(view, at + 1, a.largest);
  view.setUint16(at + 9, Math.min(0xffff, Math.max(0, Math.round(a.delayMs))));
  view.setUint32(at + 11, Number((a.mask >> 32n) & 0xffffffffn));
  view.setUint32(at + 15, Number(a.mask & 0xffffffffn));
  return at + ACK_FRAME_BYTES;
}

export function writePing(out: Uint8Array, at: number): number {
  out[at] = FrameType.PING;
  return at + 1;
}

export function writeClose(out: Uint8Array, at: number, reason: number): number {
  out[at] = FrameType.CLOSE;
  out[at + 1] = reason & 0xff;
  return at + 2;
}

export const WINDOW_FRAME_BYTES = 3;

export function writeWindow(out: Uint8Array, at: number, window: number): number {
  out[at] = FrameType.WINDOW;
  out[at + 1] = (window >> 8) & 0xff;
  out[at + 2] = window & 0xff;
  return at + WINDOW_FRAME_BYTES;
}
