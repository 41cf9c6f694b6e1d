import { BROADCAST_ID, DEVICE_ID_PATTERN, MAX_DEVICE_ID_LENGTH, SERVER_ID } from './constants';
import { isForbiddenKey, scanFailure, scanString, scanValue, skipWhitespace, stringEquals } from './json-scan';

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

/** An id a device may have: the pattern, and not a name the protocol routes elsewhere ("server", "broadcast"). */
export function isValidDeviceId(id: unknown): id is string {
  return typeof id === 'string' && DEVICE_ID_PATTERN.test(id) && id !== SERVER_ID && id !== BROADCAST_ID;
}

export function classifyTarget(id: string): TargetKind {
  return id === SERVER_ID ? 'server' : id === BROADCAST_ID ? 'broadcast' : 'device';
}

/**
 * The last targetId one sender used, as bytes and as a string. A device usually keeps talking to
 * the same target, so the broker compares bytes and skips decoding and validating the id again.
 */
export interface TargetIdCache {
  bytes: Uint8Array;
  length: number;
  id: string;
}

export function targetIdCache(): TargetIdCache {
  return { bytes: new Uint8Array(MAX_DEVICE_ID_LENGTH), length: 0, id: '' };
}

/** Bytes DEVICE_ID_PATTERN allows: A-Z a-z 0-9 _ . : - */
const ID_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') ID_BYTE[c.charCodeAt(0)] = 1;

/** The id in s[start..end) if every byte is allowed (then it is ASCII), else null. */
function readDeviceId(s: Uint8Array, start: number, end: number): string | null {
  let id = '';
  for (let i = start; i < end; i++) {
    const b = s[i]!;
    if (ID_BYTE[b] === 0) return null;
    id += String.fromCharCode(b);
  }
  return id;
}

function cachedDeviceId(s: Uint8Array, start: number, end: number, cache: TargetIdCache): string | null {
  const length = end - start;
  if (length === cache.length) {
    const last = cache.bytes;
    let i = 0;
    while (i < length && last[i] === s[start + i]) i++;
    if (i === length) return cache.id;
  }
  const id = readDeviceId(s, start, end);
  if (id !== null) {
    cache.bytes.set(s.subarray(start, end));
    cache.length = length;
    cache.id = id;
  }
  return id;
}

/** Spans of "targetId" and "payload" (start, end pairs); reused, as parsing is synchronous. */
const deviceSpans = new Int32Array(4);
const DEVICE_KEYS = ['targetId', 'payload'] as const;

/**
 * Parses a device envelope from bytes without building objects. Never throws.
 * targetId must be a plain string: a device id, "server" or "broadcast". `cache` (one per
 * sender) makes a repeated targetId cost a byte comparison.
 */
export function parseDeviceEnvelope(bytes: Uint8Array, cache?: TargetIdCache): ParseResult<DeviceEnvelope> {
  const spans = deviceSpans;
  const failed = scanObjectFields(bytes, DEVICE_KEYS, spans);
  if (failed) return failed;
  const targetStart = spans[0]!;
  const targetEnd = spans[1]!;
  const payloadStart = spans[2]!;
  if (targetStart < 0) return fail('missing_target', 'envelope has no "targetId"');
  if (payloadStart < 0) return fail('missing_payload', 'envelope has no "payload"');
  if (bytes[targetStart] !== 0x22) return fail('bad_target', '"targetId" must be a string');
  const idLength = targetEnd - targetStart - 2;
  if (idLength < 1 || idLength > MAX_DEVICE_ID_LENGTH) return fail('bad_target', `"targetId" must be 1-${MAX_DEVICE_ID_LENGTH} characters`);
  const targetId = cache ? cachedDeviceId(bytes, targetStart + 1, targetEnd - 1, cache) : readDeviceId(bytes, targetStart + 1, targetEnd - 1);
  if (targetId === null) return fail('bad_target', '"targetId" may use only A-Z a-z 0-9 _ . : -');
  if (bytes[payloadStart] !== 0x7b) return fail('bad_payload', '"payload" must be a JSON object');
  return { ok: true, value: { targetId, target: classifyTarget(targetId), payloadStart, payloadEnd: spans[3]! } };
}

export interface DeliveredEnvelope {
  from: string;
  payloadStart: number;
  payloadEnd: number;
}

/** Parses what a device receives ({"from","payload"}); used by tools, tests and the simulator side. */
export function parseDeliveredEnvelope(bytes: Uint8Array): ParseResult<DeliveredEnvelope> {
  const spans = new Int32Array(4);
  const failed = scanObjectFields(bytes, ['from', 'payload'], spans);
  if (failed) return failed;
  const [fromStart, fromEnd, payloadStart, payloadEnd] = spans as unknown as [number, number, number, number];
  if (fromStart < 0 || bytes[fromStart] !== 0x22) return fail('missing_target', 'envelope has no string "from"');
  if (payloadStart < 0 || bytes[payloadStart] !== 0x7b) return fail('bad_payload', '"payload" must be a JSON object');
  return { ok: true, value: { from: ascii.decode(bytes.subarray(fromStart + 1, fromEnd - 1)), payloadStart, payloadEnd } };
}

/**
 * Scans a top-level object that may hold only `keys`, each at most once. Writes each key's value
 * span into `spans` (start, end pairs; -1 when absent); returns null or the failure.
 */
function scanObjectFields(s: Uint8Array, keys: readonly string[], spans: Int32Array): ParseResult<never> | null {
  spans.fill(-1);
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
      let index = keys.length - 1;
      while (index >= 0 && !stringEquals(s, i, keyEnd, keys[index]!)) index--;
      if (index < 0) {
        if (isForbiddenKey(s, i, keyEnd)) return fail('forbidden_key', 'key "__proto__" is not allowed');
        return fail('unknown_key', `unexpected key ${ascii.decode(s.subarray(i, Math.min(keyEnd, i + 40)))}`);
      }
      if (spans[2 * index]! >= 0) return fail('duplicate_key', `duplicate key "${keys[index]}"`);
      i = skipWhitespace(s, keyEnd);
      if (s[i] !== 0x3a) return fail('not_json', `invalid JSON at byte ${i}`);
      const start = skipWhitespace(s, i + 1);
      const end = scanValue(s, start, 1);
      if (end < 0) {
        const why = scanFailure(end);
        if (why === 'too_deep') return fail('too_deep', 'JSON nested too deeply');
        if (why === 'forbidden_key') return fail('forbidden_key', 'key "__proto__" is not allowed');
        if (why === 'duplicate_key') return fail('duplicate_key', 'a key is repeated in one object of the payload');
        return fail('not_json', `invalid JSON at byte ${start}`);
      }
      spans[2 * index] = start;
      spans[2 * index + 1] = end;
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
  return null;
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
