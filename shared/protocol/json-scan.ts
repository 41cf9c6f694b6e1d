/**
 * A strict JSON validator over UTF-8 bytes that allocates nothing and reports value spans.
 * The broker uses it to check an envelope and forward the payload bytes untouched, without
 * JSON.parse and re-serialisation. It never throws and bounds nesting depth, so hostile input
 * (deep arrays, bad escapes, broken UTF-8) is rejected in linear time.
 */

/**
 * Containers open at once, counting the envelope itself: a device envelope's payload object (level
 * 2 of the envelope) may hold 30 more levels, 31 in all. The firmware counts the same way
 * (Envelope.cpp: kMaxJsonDepth - 1 for a payload).
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export function skipWhitespace(s: Uint8Array, i: number): number {
  while (i < s.length && isWhitespace(s[i]!)) i++;
  return i;
}

/** 1 for bytes that stand for themselves inside a string: ASCII except controls, quote, backslash. */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN[b] = b === QUOTE || b === BACKSLASH ? 0 : 1;

/** Whether the string scanString last read had an escape (the duplicate-key check wants to know). */
let stringHadEscape = false;

/** Returns the index after a valid string starting at s[i] === '"', or -1. */
export function scanString(s: Uint8Array, i: number): number {
  if (s[i] !== QUOTE) return -1;
  stringHadEscape = false;
  i++;
  const n = s.length;
  while (i < n) {
    // Plain runs (most of any string) cost one table load per byte.
    while (i < n && PLAIN[s[i]!] === 1) i++;
    if (i >= n) return -1;
    const b = s[i]!;
    if (b === QUOTE) return i + 1;
    if (b === BACKSLASH) {
      stringHadEscape = true;
      const e = s[i + 1];
      if (e === 0x75 /* u */) {
        for (let k = 2; k < 6; k++) if (!isHex(s[i + k])) return -1;
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else return -1;
    } else if (b < 0x80) {
      return -1; // a control character
    } else {
      const length = utf8SequenceLength(s, i);
      if (length < 0) return -1;
      i += length;
    }
  }
  return -1;
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function isContinuation(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/** Length of a well-formed multi-byte UTF-8 sequence at s[i], or -1 (overlongs and surrogates rejected). */
function utf8SequenceLength(s: Uint8Array, i: number): number {
  const b = s[i]!;
  const b1 = s[i + 1];
  if (b >= 0xc2 && b <= 0xdf) return isContinuation(b1) ? 2 : -1;
  if (b >= 0xe0 && b <= 0xef) {
    if (!isContinuation(b1) || !isContinuation(s[i + 2])) return -1;
    if (b === 0xe0 && b1! < 0xa0) return -1;
    if (b === 0xed && b1! >= 0xa0) return -1;
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!isContinuation(b1) || !isContinuation(s[i + 2]) || !isContinuation(s[i + 3])) return -1;
    if (b === 0xf0 && b1! < 0x90) return -1;
    if (b === 0xf4 && b1! >= 0x90) return -1;
    return 4;
  }
  return -1;
}

function scanNumber(s: Uint8Array, i: number): number {
  if (s[i] === 0x2d) i++;
  if (s[i] === 0x30) i++;
  else if (isDigit(s[i])) while (isDigit(s[i])) i++;
  else return -1;
  if (s[i] === 0x2e) {
    i++;
    if (!isDigit(s[i])) return -1;
    while (isDigit(s[i])) i++;
  }
  if (s[i] === 0x65 || s[i] === 0x45) {
    i++;
    if (s[i] === 0x2b || s[i] === 0x2d) i++;
    if (!isDigit(s[i])) return -1;
    while (isDigit(s[i])) i++;
  }
  return i;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

function scanLiteral(s: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (s[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** True when the string token s[start..end) (quotes included) spells `word` with no escapes. */
export function stringEquals(s: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length + 2) return false;
  for (let k = 0; k < word.length; k++) if (s[start + 1 + k] !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * True when the (valid) string token s[start..end) decodes to `word` (ASCII), escapes included:
 * `"\u005f_proto__"` is the key `__proto__` to JSON.parse and every JSON library.
 */
export function stringDecodesTo(s: Uint8Array, start: number, end: number, word: string): boolean {
  const length = end - start - 2;
  if (length < word.length || length > word.length * 6) return false;
  let k = 0;
  for (let i = start + 1; i < end - 1; k++) {
    if (k >= word.length) return false;
    let unit = s[i]!;
    if (unit === BACKSLASH) {
      const e = s[i + 1]!;
      if (e === 0x75 /* u */) {
        unit = 0;
        for (let h = 2; h < 6; h++) unit = unit * 16 + hexValue(s[i + h]!);
        i += 6;
      } else {
        unit = e === 0x62 ? 0x08 : e === 0x66 ? 0x0c : e === 0x6e ? 0x0a : e === 0x72 ? 0x0d : e === 0x74 ? 0x09 : e;
        i += 2;
      }
    } else {
      i++;
    }
    if (unit !== word.charCodeAt(k)) return false;
  }
  return k === word.length;
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57;
}

/**
 * A key we refuse anywhere: materialising it could pollute a prototype in careless code. Checked
 * on the decoded key, so an escaped spelling is refused too.
 */
export function isForbiddenKey(s: Uint8Array, start: number, end: number): boolean {
  return stringEquals(s, start, end, '__proto__') || (end - start > 11 && stringDecodesTo(s, start, end, '__proto__'));
}

export type ScanFailure = 'syntax' | 'too_deep' | 'forbidden_key' | 'duplicate_key';

const OBJECT = 1;
const ARRAY = 2;
/** Open containers of the value being scanned (scanning is synchronous and never re-entered). */
const open = new Uint8Array(MAX_JSON_DEPTH + 1);

/** Up to this many keys an object is checked pair by pair (no allocation); past it, by a Set. */
const LINEAR_KEYS = 16;
/** At most LINEAR_KEYS spans per open object (a larger one keeps a Set instead), so this never grows. */
const KEY_SPANS = MAX_JSON_DEPTH * LINEAR_KEYS;
/**
 * The keys of the objects open at once, for the duplicate check: receivers disagree on which of
 * two equal keys counts (JSON.parse keeps the last, others the first), so one message could say
 * different things to the panel and to a device. Spans of key tokens, reused across scans.
 */
const keys = { starts: new Int32Array(KEY_SPANS), ends: new Int32Array(KEY_SPANS), sigs: new Int32Array(KEY_SPANS), escapes: new Uint8Array(KEY_SPANS), count: 0 };
/** Per open object: where its keys begin in `keys`, and (past LINEAR_KEYS keys) their decoded set. */
const firstKey = new Int32Array(MAX_JSON_DEPTH + 1);
const keySets: (Set<string> | null)[] = new Array<Set<string> | null>(MAX_JSON_DEPTH + 1).fill(null);
const utf8 = new TextDecoder();

/** The decoded text of a valid string token (allocates: the rare path). */
function decodeKey(s: Uint8Array, start: number, end: number): string {
  return JSON.parse(utf8.decode(s.subarray(start, end))) as string;
}

/** Whether two valid key tokens decode to the same string. Valid UTF-8 is canonical, so without escapes bytes decide. */
function sameKey(s: Uint8Array, a: number, aEnd: number, aEscaped: boolean, b: number, bEnd: number, bEscaped: boolean): boolean {
  if (!aEscaped && !bEscaped) {
    if (aEnd - a !== bEnd - b) return false;
    for (let k = 1; k < aEnd - a - 1; k++) if (s[a + k] !== s[b + k]) return false;
    return true;
  }
  return decodeKey(s, a, aEnd) === decodeKey(s, b, bEnd);
}

/**
 * A key's signature: its token length and its first and last bytes. Keys without escapes are equal
 * only if their signatures are, so most pairs are told apart by one integer compare.
 */
function signature(s: Uint8Array, start: number, end: number): number {
  return ((end - start) << 16) | (s[start + 1]! << 8) | s[end - 2]!;
}

/** Records the key token s[start..end) of the innermost open object (`level`); false if it repeats one. */
function addKey(s: Uint8Array, start: number, end: number, level: number): boolean {
  const escaped = stringHadEscape; // of this key: scanKey has just read it
  const sig = signature(s, start, end);
  const first = firstKey[level]!;
  const set = keySets[level];
  if (set) {
    const key = decodeKey(s, start, end);
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }
  const { starts, ends, sigs, escapes } = keys;
  for (let k = first; k < keys.count; k++) {
    if (sigs[k] !== sig && !escaped && escapes[k] === 0) continue;
    if (sameKey(s, starts[k]!, ends[k]!, escapes[k] === 1, start, end, escaped)) return false;
  }
  if (keys.count - first === LINEAR_KEYS) {
    // A large object: from here on a Set, so a hostile object of thousands of keys stays linear.
    const all = new Set<string>();
    for (let k = first; k < keys.count; k++) all.add(decodeKey(s, starts[k]!, ends[k]!));
    all.add(decodeKey(s, start, end));
    keySets[level] = all;
    return true;
  }
  const n = keys.count++;
  starts[n] = start;
  ends[n] = end;
  sigs[n] = sig;
  escapes[n] = escaped ? 1 : 0;
  return true;
}

/** skipWhitespace with the common case (no whitespace) inlined at the call site. */
function ws(s: Uint8Array, i: number): number {
  return s[i]! > 0x20 ? i : skipWhitespace(s, i);
}

/**
 * Scans one JSON value starting at s[i] (no leading whitespace). Returns the index after it,
 * or a negative code: -1 syntax, -2 too deep, -3 forbidden key, -4 a key repeated in one object
 * (at any depth). Iterative (a byte per open container), so nesting costs no stack and the hot
 * loop stays in one function.
 */
export function scanValue(s: Uint8Array, i: number, depth = 0): number {
  let sp = 0;
  keys.count = 0;
  for (;;) {
    // A value starts at s[i].
    const b = s[i];
    if (b === QUOTE) {
      i = scanString(s, i);
      if (i < 0) return -1;
    } else if (b === 0x7b /* { */) {
      if (depth + sp >= MAX_JSON_DEPTH) return -2;
      i = ws(s, i + 1);
      if (s[i] === 0x7d) i++;
      else {
        firstKey[sp] = keys.count;
        keySets[sp] = null;
        open[sp++] = OBJECT;
        i = scanKey(s, i, sp - 1);
        if (i < 0) return i;
        continue;
      }
    } else if (b === 0x5b /* [ */) {
      if (depth + sp >= MAX_JSON_DEPTH) return -2;
      i = ws(s, i + 1);
      if (s[i] === 0x5d) i++;
      else {
        open[sp++] = ARRAY;
        continue;
      }
    } else {
      i = b === 0x74 ? scanLiteral(s, i, 'true') : b === 0x66 ? scanLiteral(s, i, 'false') : b === 0x6e ? scanLiteral(s, i, 'null') : scanNumber(s, i);
      if (i < 0) return -1;
    }
    // A value ended at i: close containers until a comma asks for the next value.
    for (;;) {
      if (sp === 0) return i;
      i = ws(s, i);
      const c = s[i];
      const kind = open[sp - 1];
      if (c === 0x2c /* , */) {
        i = ws(s, i + 1);
        if (kind === OBJECT) {
          i = scanKey(s, i, sp - 1);
          if (i < 0) return i;
        }
        break;
      }
      if (c !== (kind === OBJECT ? 0x7d : 0x5d)) return -1;
      i++;
      sp--;
      if (kind === OBJECT) {
        keys.count = firstKey[sp]!; // its keys are done with
        keySets[sp] = null;
      }
    }
  }
}

/** `"key"` `:` at s[i] in the object open at `level`; returns where its value starts, or -1 / -3 (forbidden key) / -4 (repeated key). */
function scanKey(s: Uint8Array, i: number, level: number): number {
  const keyEnd = scanString(s, i);
  if (keyEnd < 0) return -1;
  if (isForbiddenKey(s, i, keyEnd)) return -3;
  if (!addKey(s, i, keyEnd, level)) return -4;
  i = ws(s, keyEnd);
  if (s[i] !== 0x3a /* : */) return -1;
  return ws(s, i + 1);
}

export function scanFailure(code: number): ScanFailure {
  return code === -2 ? 'too_deep' : code === -3 ? 'forbidden_key' : code === -4 ? 'duplicate_key' : 'syntax';
}
