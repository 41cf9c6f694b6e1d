/** HyperTCP frames as the load generator writes and reads them (docs/PROTOCOL.md sections 1-5). */
import { Command, HEADER_SIZE, encodeFrame } from '../../shared/protocol';
import { PAYLOAD_TEMPLATE } from '../lib/payload';
import type { PacketMeasure } from './stream-reader';

export { Command };

export function loginFrame(token: string): Buffer {
  return Buffer.from(encodeFrame(Command.LOGIN, 1, JSON.stringify({ v: 2, token })));
}

export interface MessageTemplate {
  bytes: Buffer;
  /** Offset of the 64-byte payload inside `bytes`. */
  payloadAt: number;
}

/** A JSON_MESSAGE (or BROADCAST) frame carrying the bench payload to `targetId`. */
export function messageTemplate(targetId: string, broadcast = false): MessageTemplate {
  const prefix = `{"targetId":"${targetId}","payload":`;
  const body = Buffer.from(prefix + PAYLOAD_TEMPLATE + '}');
  const bytes = Buffer.from(encodeFrame(broadcast ? Command.BROADCAST : Command.JSON_MESSAGE, 1, body));
  return { bytes, payloadAt: HEADER_SIZE + prefix.length };
}

export function setMsgId(frame: Buffer, at: number, msgId: number): void {
  frame[at + 1] = msgId >>> 8;
  frame[at + 2] = msgId & 0xff;
}

/** Next msg id: 1..65535, never 0 (PROTOCOL.md "Message ids"). */
export const nextMsgId = (id: number): number => (id >= 0xffff ? 1 : id + 1);

export const measureFrame: PacketMeasure = (buf, at, available) =>
  available < HEADER_SIZE ? 0 : HEADER_SIZE + ((buf[at + 3]! << 8) | buf[at + 4]!);

/** The empty RESPONSE a device sends to ack a delivered message or answer a PING. */
export function writeEmptyResponse(out: Buffer, at: number, msgId: number): void {
  out[at] = Command.RESPONSE;
  out[at + 1] = msgId >>> 8;
  out[at + 2] = msgId & 0xff;
  out[at + 3] = 0;
  out[at + 4] = 0;
}
