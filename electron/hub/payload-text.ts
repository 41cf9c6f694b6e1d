import { isUtf8 } from 'node:buffer';

/** Payload bytes as text when they are UTF-8 (JSON), else as lowercase hex. */
export function payloadText(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return '';
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('hex');
}

const MAX_REPORT_BYTES = 65535;
/**
 * Reports nest a few levels ({"state":{"relay1":true}}). 16 KiB of brackets parse fine but are too
 * deep for JSON.stringify, which the registry, the event batches and the bindings all run on them.
 */
export const MAX_REPORT_DEPTH = 32;

/** True when the JSON text opens more than `max` objects/arrays at once (strings skipped; UTF-8 safe). */
function nestsDeeperThan(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Parses a JSON object sent to "server"; null for anything else (too deep included). Bounded input, never throws. */
export function parseObject(bytes: Uint8Array): Record<string, unknown> | null {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_REPORT_BYTES || nestsDeeperThan(bytes, MAX_REPORT_DEPTH)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
