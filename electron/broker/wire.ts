import { HEADER_SIZE } from '../../shared/protocol/constants';
import { writeHeader } from '../../shared/protocol/frame';

/**
 * {"from":"<id>","payload":<payload bytes>} as a whole frame in one buffer: the same bytes as
 * encodeFrame(cmd, id, encodeDeliveredEnvelope(from, payload)) with one allocation and no
 * re-serialisation. Device ids match DEVICE_ID_PATTERN (ASCII, never escaped).
 */
export function deliveredFrame(cmd: number, msgId: number, from: string, payload: Uint8Array): Buffer {
  const length = deliveredSize(from, payload.length);
  const out = Buffer.allocUnsafe(HEADER_SIZE + length);
  writeHeader(out, 0, cmd, msgId, length);
  let at = HEADER_SIZE + out.write('{"from":"', HEADER_SIZE, 'latin1');
  at += out.write(from, at, 'latin1');
  at += out.write('","payload":', at, 'latin1');
  out.set(payload, at);
  out[out.length - 1] = 0x7d;
  return out;
}

/** Bytes of the delivered envelope: `{"from":"` + from + `","payload":` + payload + `}`. */
export function deliveredSize(from: string, payloadLength: number): number {
  return 9 + from.length + 12 + payloadLength + 1;
}

/** Copies a frame with another msg id (broadcast: same body for every recipient). */
export function withMsgId(frame: Buffer, msgId: number): Buffer {
  const copy = Buffer.allocUnsafe(frame.length);
  frame.copy(copy);
  copy[1] = msgId >>> 8;
  copy[2] = msgId & 0xff;
  return copy;
}
