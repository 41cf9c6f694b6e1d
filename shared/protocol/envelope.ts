import { BROADCAST_ID, DEVICE_ID_PATTERN, MAX_DEVICE_ID_LENGTH, SERVER_ID } from './constants';
import { scanFailure, scanString, scanValue, skipWhitespace, stringEquals } from './json-scan';

/**
 * Envelopes. Device to broker: {"targetId": "...", "payload": {...}}.
 * Broker to device: {"from": "...", "payload": {...}}. The payload must be a JSON object (the
 * seed firmware drops anything else) and is forwarded as the exact bytes the sender wrote.
 */

export type EnvelopeErrorCode =
  | 'not_json'
  | 'not_object'
  | 'too_deep'
  | 'forbidden_key'
  | 'unknown_key'
  | 'duplicate_key'
  | 'missing_target'
  | 'bad_target'
  | 'missing_payload'
  | 'bad_payload';

export interface EnvelopeError {
  code: EnvelopeErrorCode;
  message: string;
}

export type TargetKind = 'device' | 'server' | 'broadcast';

export interface DeviceEnvelope {
  targetId: string;
  target: TargetKind;
  /** Byte span of the payload object inside the original bytes. */
  payloadStart: number;
  payloadEnd: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: EnvelopeError };

const fail = (code: EnvelopeErrorCode, message: string): ParseResult<never> => ({ ok: false, error: { code, message } });

const ascii = new TextDecoder('utf-8');

export function isValidDeviceId(id: unknown): id is string {
  return typeof id === 'string' && DEVICE_ID_PATTERN.test(id);
}

export function classifyTarget(id: string): TargetKind {
  return id === SERVER_ID ? 'server' : id === BROADCAST_ID ? 'broadcast' : 'device';
}

/**
 * Parses a device envelope from bytes without building objects. Never throws.
 * targetId must be a plain string: a device id, "server" or "broadcast".
 */
export function parseDeviceEnvelope(bytes: Uint8Array): ParseResult<DeviceEnvelope> {
  const fields = scanObjectFields(bytes, ['targetId', 'payload']);
  if (!fields.ok) return fields;
  const [target, payload] = fields.value;
  if (!target) return fail('missing_target', 'envelope has no "targetId"');
  if (!payload) return fail('missing_payload', 'envelope has no "payload"');
  if (bytes[target.start] !== 0x22) return fail('bad_target', '"targetId" must be a string');
  const idLength = target.end - target.start - 2;
  if (idLength < 1 || idLength > MAX_DEVICE_ID_LENGTH) return fail('bad_target', `"targetId" must be 1-${MAX_DEVICE_ID_LENGTH} characters`);
  const targetId = ascii.decode(bytes.subarray(target.start + 1, target.end - 1));
  if (!DEVICE_ID_PATTERN.test(targetId)) return fail('bad_target', '"targetId" may use only A-Z a-z 0-9 _ . : -');
  if (bytes[payload.start] !== 0x7b) return fail('bad_payload', '"payload" must be a JSON object');
  return { ok: true, value: { targetId, target: classifyTarget(targetId), payloadStart: payload.start, payloadEnd: payload.end } };
}

export interface DeliveredEnvelope {
  from: string;
  payloadStart: number;
  payloadEnd: number;
}

/** Parses what a device receives ({"from","payload"}); used by tools, tests and the simulator side. */
export function parseDeliveredEnvelope(bytes: Uint8Array): ParseResult<DeliveredEnvelope> {
  const fields = scanObjectFields(bytes, ['from', 'payload']);
  if (!fields.ok) return fields;
  const [from, payload] = fields.value;
  if (!from || bytes[from.start] !== 0x22) return fail('missing_target', 'envelope has no string "from"');
  if (!payload || bytes[payload.start] !== 0x7b) return fail('bad_payload', '"payload" must be a JSON object');
  return {
    ok: true,
    value: { from: ascii.decode(bytes.subarray(from.start + 1, from.end - 1)), payloadStart: payload.start, payloadEnd: payload.end },
  };
}

interface Span {
  start: number;
  end: number;
}

/** Scans a top-level object that may hold only `keys`, each at most once. */
function scanObjectFields(s: Uint8Array, keys: readonly string[]): ParseResult<(Span | undefined)[]> {
  const found: (Span | undefined)[] = keys.map(() => undefined);
  let i = skipWhitespace(s, 0);
  if (i >= s.length) return fail('not_json', 'empty payload');
  if (s[i] !== 0x7b) {
    const end = scanValue(s, i);
    return end < 0 ? fail('not_json', 'payload is not valid JSON') : fail('not_object', 'envelope must be a JSON object');
  }
  i = skipWhitespace(s, i + 1);
  if (s[i] !== 0x7d) {
    for (;;) {
      const keyEnd = scanString(s, i);
      if (keyEnd < 0) return fail('not_json', `invalid JSON at byte ${i}`);
      const index = keys.findIndex((k) => stringEquals(s, i, keyEnd, k));
      if (index < 0) {
        if (stringEquals(s, i, keyEnd, '__proto__')) return fail('forbidden_key', 'key "__proto__" is not allowed');
        return fail('unknown_key', `unexpected key ${ascii.decode(s.subarray(i, Math.min(keyEnd, i + 40)))}`);
      }
      if (found[index]) return fail('duplicate_key', `duplicate key "${keys[index]}"`);
      i = skipWhitespace(s, keyEnd);
      if (s[i] !== 0x3a) return fail('not_json', `invalid JSON at byte ${i}`);
      const start = skipWhitespace(s, i + 1);
      const end = scanValue(s, start, 1);
      if (end < 0) {
        const why = scanFailure(end);
        if (why === 'too_deep') return fail('too_deep', 'JSON nested too deeply');
        if (why === 'forbidden_key') return fail('forbidden_key', 'key "__proto__" is not allowed');
        return fail('not_json', `invalid JSON at byte ${start}`);
      }
      found[index] = { start, end };
      i = skipWhitespace(s, end);
      if (s[i] === 0x2c) {
        i = skipWhitespace(s, i + 1);
        continue;
      }
      if (s[i] === 0x7d) break;
      return fail('not_json', `invalid JSON at byte ${i}`);
    }
  }
  if (skipWhitespace(s, i + 1) !== s.length) return fail('not_json', 'trailing bytes after the envelope');
  return { ok: true, value: found };
}

const utf8 = new TextEncoder();

/**
 * Builds {"from":"<id>","payload":<payload bytes>} in one buffer. The id comes from the token
 * registry and matches DEVICE_ID_PATTERN, so it never needs escaping.
 */
export function encodeDeliveredEnvelope(from: string, payload: Uint8Array): Uint8Array {
  const head = utf8.encode(`{"from":"${from}","payload":`);
  const out = new Uint8Array(head.length + payload.length + 1);
  out.set(head, 0);
  out.set(payload, head.length);
  out[out.length - 1] = 0x7d;
  return out;
}

/** Builds a device envelope; used by test clients and the app when it speaks as a device. */
export function encodeDeviceEnvelope(targetId: string, payloadJson: string): Uint8Array {
  return utf8.encode(`{"targetId":${JSON.stringify(targetId)},"payload":${payloadJson}}`);
}
