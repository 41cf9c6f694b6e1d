import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { NONCE_BYTES, TAG_BYTES } from '../../shared/protocol/udp/wire';

/**
 * Session keys (docs/PROTOCOL.md 9.2). HKDF-SHA256 over SHA-256(token) with both nonces as salt,
 * one key + IV per direction; the GCM nonce is the IV XOR the 64-bit packet number, so a nonce
 * repeats only if a packet number does, and packet numbers only grow.
 */

export interface DirectionKey {
  key: Buffer;
  iv: Buffer;
}

export type Direction = 'd2s' | 's2d';

const KEY_BYTES = 32;
const IV_BYTES = 12;

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function randomNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

function split(okm: ArrayBuffer): DirectionKey {
  const b = Buffer.from(okm);
  return { key: b.subarray(0, KEY_BYTES), iv: b.subarray(KEY_BYTES, KEY_BYTES + IV_BYTES) };
}

export function deriveDirectionKey(hash: Uint8Array, serverNonce: Uint8Array, deviceNonce: Uint8Array, sessionId: number, dir: Direction): DirectionKey {
  const salt = Buffer.concat([serverNonce, deviceNonce]);
  const info = Buffer.alloc(20);
  info.write(`hypertcp-udp ${dir}`, 0, 'ascii');
  info.writeUInt32BE(sessionId >>> 0, 16);
  return split(hkdfSync('sha256', hash, salt, info, KEY_BYTES + IV_BYTES));
}

/** The next key after a key update: HKDF over the current key, so old keys cannot be recomputed from new. */
export function nextDirectionKey(k: DirectionKey): DirectionKey {
  return split(hkdfSync('sha256', k.key, Buffer.alloc(0), Buffer.from('hypertcp-udp ku', 'ascii'), KEY_BYTES + IV_BYTES));
}

/** Zeroes a key and its IV in place (both views of the one HKDF output buffer). */
export function wipeKey(k: DirectionKey): void {
  k.key.fill(0);
  k.iv.fill(0);
}

export function gcmNonce(iv: Buffer, packetNumber: number): Buffer {
  const n = Buffer.from(iv);
  const high = Math.floor(packetNumber / 0x100000000);
  const low = packetNumber >>> 0;
  n.writeUInt32BE((n.readUInt32BE(4) ^ high) >>> 0, 4);
  n.writeUInt32BE((n.readUInt32BE(8) ^ low) >>> 0, 8);
  return n;
}

/** Encrypts `plaintext` and returns header || ciphertext || tag. */
export function seal(k: DirectionKey, packetNumber: number, header: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', k.key, gcmNonce(k.iv, packetNumber));
  cipher.setAAD(header);
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** Returns the plaintext, or null when the datagram does not authenticate. Never throws. */
export function open(k: DirectionKey, packetNumber: number, datagram: Uint8Array, headerLength: number): Buffer | null {
  if (datagram.length < headerLength + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, gcmNonce(k.iv, packetNumber));
    decipher.setAAD(datagram.subarray(0, headerLength));
    decipher.setAuthTag(datagram.subarray(datagram.length - TAG_BYTES));
    const body = decipher.update(datagram.subarray(headerLength, datagram.length - TAG_BYTES));
    decipher.final();
    return body;
  } catch {
    return null;
  }
}
