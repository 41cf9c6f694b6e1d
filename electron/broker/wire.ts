import { HEADER_SIZE } from '../../shared/protocol/constants';

/**
 * `{"from":"<id>","payload":` as bytes. Built once per sender (at login) so that forwarding a
 * message is two memcpys and no string encoding. Device ids match DEVICE_ID_PATTERN (ASCII,
 * never escaped).
 */
export function envelopePrefix(from: string): Uint8Array {
  // Buffer.from takes small buffers from Node's shared pool: no ArrayBuffer per session.
  return Buffer.from(`{"from":"${from}","payload":`, 'latin1');
}

export const SERVER_PREFIX = envelopePrefix('server');

/**
 * prefix + payload + `}` as a whole frame in one buffer: the same bytes as
 * encodeFrame(cmd, id, encodeDeliveredEnvelope(from, payload)) with one allocation and no
 * re-serialisation of the payload.
 */
export function deliveredFrame(cmd: number, msgId: number, prefix: Uint8Array, payload: Uint8Array): Uint8Array {
  const length = prefix.length + payload.length + 1;
  // allocUnsafe takes small buffers from Node's pool; every byte is written below.
  const out = Buffer.allocUnsafe(HEADER_SIZE + length);
  out[0] = cmd;
  out[1] = msgId >>> 8;
  out[2] = msgId & 0xff;
  out[3] = length >>> 8;
  out[4] = length & 0xff;
  out.set(prefix, HEADER_SIZE);
  out.set(payload, HEADER_SIZE + prefix.length);
  out[out.length - 1] = 0x7d;
  return out;
}

/** Copies a frame with another msg id (broadcast: same body for every recipient). */
export function withMsgId(frame: Uint8Array, msgId: number): Uint8Array {
  const copy = Buffer.allocUnsafe(frame.length);
  copy.set(frame);
  copy[1] = msgId >>> 8;
  copy[2] = msgId & 0xff;
  return copy;
}
