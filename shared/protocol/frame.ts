import { ABSOLUTE_MAX_PAYLOAD, HEADER_SIZE } from './constants';

export interface Frame {
  type: number;
  msgId: number;
  payload: Uint8Array;
}

const utf8 = new TextEncoder();
export const EMPTY = new Uint8Array(0);

export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/**
 * Writes header and payload as one buffer, so a frame always leaves in one write.
 * Throws only on caller bugs (msg id or payload out of range), never on peer input.
 */
export function encodeFrame(type: number, msgId: number, payload: Uint8Array | string = EMPTY): Uint8Array {
  const body = typeof payload === 'string' ? utf8.encode(payload) : payload;
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`type ${type} out of range`);
  if (!Number.isInteger(msgId) || msgId < 0 || msgId > 0xffff) throw new RangeError(`msgId ${msgId} out of range`);
  if (body.length > ABSOLUTE_MAX_PAYLOAD) throw new RangeError(`payload of ${body.length} bytes exceeds 65535`);
  const out = new Uint8Array(HEADER_SIZE + body.length);
  writeHeader(out, 0, type, msgId, body.length);
  out.set(body, HEADER_SIZE);
  return out;
}

export function writeHeader(out: Uint8Array, at: number, type: number, msgId: number, length: number): void {
  out[at] = type;
  out[at + 1] = msgId >>> 8;
  out[at + 2] = msgId & 0xff;
  out[at + 3] = length >>> 8;
  out[at + 4] = length & 0xff;
}

/** A RESPONSE carrying one status byte (v2 acks, every login reply). */
export function encodeStatus(msgId: number, status: number): Uint8Array {
  return encodeFrame(0, msgId, Uint8Array.of(status));
}

/** An empty RESPONSE: the only ack a legacy session may receive after login. */
export function encodeEmptyResponse(msgId: number): Uint8Array {
  return encodeFrame(0, msgId);
}
