import { isUtf8 } from 'node:buffer';

/** Payload bytes as text when they are UTF-8 (JSON), else as lowercase hex. */
export function payloadText(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return '';
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('hex');
}

const MAX_REPORT_BYTES = 65535;

/** Parses a JSON object sent to "server"; null for anything else. Bounded input, never throws. */
export function parseObject(bytes: Uint8Array): Record<string, unknown> | null {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_REPORT_BYTES) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
