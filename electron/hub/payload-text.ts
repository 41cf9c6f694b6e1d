import { isUtf8 } from 'node:buffer';
import { MAX_JSON_DEPTH, scanValue, skipWhitespace } from '../../shared/protocol/json-scan';

/** Payload bytes as text when they are UTF-8 (JSON), else as lowercase hex. */
export function payloadText(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return '';
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('hex');
}

const MAX_REPORT_BYTES = 65535;
/**
 * Reports nest a few levels ({"state":{"relay1":true}}). 16 KiB of brackets parse fine but are too
 * deep for JSON.stringify, which the registry, the event batches and the bindings all run on them:
 * the protocol's scanner (the broker's envelope check) bounds them first.
 */
export const MAX_REPORT_DEPTH = MAX_JSON_DEPTH;

/** Parses a JSON object sent to "server"; null for anything else (too deep included). Bounded input, never throws. */
export function parseObject(bytes: Uint8Array): Record<string, unknown> | null {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_REPORT_BYTES || scanValue(bytes, skipWhitespace(bytes, 0)) < 0) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
