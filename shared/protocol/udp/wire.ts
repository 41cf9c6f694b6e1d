/**
 * HyperTCP UDP datagram layout (docs/PROTOCOL.md section 9). Environment-free: only Uint8Array and
 * DataView, so tests and tools can build and read datagrams; the crypto lives in electron/udp.
 *
 *   0      flags     high nibble = version (1); bit 0 key phase; bit 1 HELLO; bits 2-3 zero
 *   1..4   session   u32 big-endian, given by the broker in the TCP login reply
 *   5..12  packet    u64 big-endian packet number, strictly increasing per direction (< 2^53)
 *   13..28 nonce     device nonce, only when HELLO is set
 *   then   AES-256-GCM ciphertext of the frames, then the 16-byte tag; the header is the AAD.
 */

export const UDP_VERSION = 1;
export const FLAG_KEY_PHASE = 0x01;
export const FLAG_HELLO = 0x02;
export const HEADER_BYTES = 13;
export const NONCE_BYTES = 16;
export const HELLO_HEADER_BYTES = HEADER_BYTES + NONCE_BYTES;
export const TAG_BYTES = 16;
/** Largest packet number we ever send: keeps packet numbers exact JS numbers; a session ends there. */
export const MAX_PACKET_NUMBER = Number.MAX_SAFE_INTEGER;
/** Datagrams larger than this are dropped unread. */
export const MAX_DATAGRAM_BYTES = 2048;
/** Default datagram size: fits any Wi-Fi / PPPoE / VPN path without IP fragmentation. */
export const DEFAULT_DATAGRAM_BYTES = 1200;

export interface DatagramHeader {
  keyPhase: 0 | 1;
  hello: boolean;
  sessionId: number;
  packetNumber: number;
  /** Device nonce, present only on HELLO datagrams. */
  deviceNonce: Uint8Array | null;
  /** Bytes of header (the AAD); the ciphertext+tag follow. */
  length: number;
}

export type HeaderError = 'too_short' | 'too_long' | 'bad_version' | 'reserved_bits' | 'packet_number_range';

/** Reads the cleartext header. Never throws; checks only what can be checked before decryption. */
export function decodeHeader(d: Uint8Array): { ok: true; value: DatagramHeader } | { ok: false; error: HeaderError } {
  if (d.length > MAX_DATAGRAM_BYTES) return { ok: false, error: 'too_long' };
  if (d.length < HEADER_BYTES + 1 + TAG_BYTES) return { ok: false, error: 'too_short' };
  const flags = d[0]!;
  if (flags >> 4 !== UDP_VERSION) return { ok: false, error: 'bad_version' };
  if (flags & 0x0c) return { ok: false, error: 'reserved_bits' };
  const hello = (flags & FLAG_HELLO) !== 0;
  const length = hello ? HELLO_HEADER_BYTES : HEADER_BYTES;
  if (d.length < length + 1 + TAG_BYTES) return { ok: false, error: 'too_short' };
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const high = view.getUint32(5);
  if (high > 0x1fffff) return { ok: false, error: 'packet_number_range' };
  const packetNumber = high * 0x100000000 + view.getUint32(9);
  return {
    ok: true,
    value: {
      keyPhase: (flags & FLAG_KEY_PHASE) as 0 | 1,
      hello,
      sessionId: view.getUint32(1),
      packetNumber,
      deviceNonce: hello ? d.subarray(HEADER_BYTES, HELLO_HEADER_BYTES) : null,
      length,
    },
  };
}

/** Writes the header into `out` at 0 and returns its length. */
export function encodeHeader(out: Uint8Array, h: { keyPhase: 0 | 1; sessionId: number; packetNumber: number; deviceNonce?: Uint8Array | null }): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const hello = h.deviceNonce ? FLAG_HELLO : 0;
  out[0] = (UDP_VERSION << 4) | hello | h.keyPhase;
  view.setUint32(1, h.sessionId >>> 0);
  writeU64(view, 5, h.packetNumber);
  if (!h.deviceNonce) return HEADER_BYTES;
  out.set(h.deviceNonce.subarray(0, NONCE_BYTES), HEADER_BYTES);
  return HELLO_HEADER_BYTES;
}

export function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / 0x100000000));
  view.setUint32(at + 4, value >>> 0);
}

/** Reads a u64 as a number; returns -1 when it does not fit in 53 bits. */
export function readU64(view: DataView, at: number): number {
  const high = view.getUint32(at);
  if (high > 0x1fffff) return -1;
  return high * 0x100000000 + view.getUint32(at + 4);
}
