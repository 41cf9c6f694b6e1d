/**
 * The 64-byte JSON payload every load shape sends, the same bytes over HyperTCP and MQTT:
 *   {"ts":"<15-digit µs>","src":"<4-digit publisher>","seq":"<8 digits>","pad":"xx..."}
 * Fixed-width digit strings, so a generator stamps a template in place and a consumer reads the
 * fields at fixed offsets after the '{"ts":"' marker, without JSON.parse on either side.
 */

export const PAYLOAD_SIZE = 64;
const TS_DIGITS = 15;
const SRC_DIGITS = 4;
const SEQ_DIGITS = 8;

const head = `{"ts":"${'0'.repeat(TS_DIGITS)}","src":"${'0'.repeat(SRC_DIGITS)}","seq":"${'0'.repeat(SEQ_DIGITS)}","pad":"`;
const tail = '"}';
export const PAYLOAD_TEMPLATE = head + 'x'.repeat(PAYLOAD_SIZE - head.length - tail.length) + tail;

export const TS_MARKER = Buffer.from('{"ts":"');
/** Offsets relative to the start of the payload (the '{' of the marker). */
const TS_AT = TS_MARKER.length;
const SRC_AT = PAYLOAD_TEMPLATE.indexOf('"src":"') + 7;
const SEQ_AT = PAYLOAD_TEMPLATE.indexOf('"seq":"') + 7;

/** Monotonic microseconds, comparable across processes on one machine (CLOCK_MONOTONIC). */
export function nowMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
}

function writeDigits(buf: Uint8Array, at: number, width: number, value: number): void {
  let v = Math.floor(value);
  for (let i = at + width - 1; i >= at; i--) {
    buf[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
}

function readDigits(buf: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = at; i < at + width; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Stamps publisher index, sequence number and send time into a payload at `at` inside `buf`. */
export function stampPayload(buf: Uint8Array, at: number, src: number, seq: number, tsMicros: number): void {
  writeDigits(buf, at + TS_AT, TS_DIGITS, tsMicros);
  writeDigits(buf, at + SRC_AT, SRC_DIGITS, src);
  writeDigits(buf, at + SEQ_AT, SEQ_DIGITS, seq % 10 ** SEQ_DIGITS);
}

export interface PayloadStamp {
  ts: number;
  src: number;
  seq: number;
}

/** Reads the stamp of a payload starting at `at` (the '{'); null when the bytes are not ours. */
export function readStamp(buf: Uint8Array, at: number): PayloadStamp | null {
  if (at < 0 || at + PAYLOAD_SIZE > buf.length) return null;
  const ts = readDigits(buf, at + TS_AT, TS_DIGITS);
  const src = readDigits(buf, at + SRC_AT, SRC_DIGITS);
  const seq = readDigits(buf, at + SEQ_AT, SEQ_DIGITS);
  if (ts < 0 || src < 0 || seq < 0) return null;
  return { ts, src, seq };
}

/** Finds the payload inside a delivered message (envelope or MQTT publish body). */
export function findPayload(buf: Buffer, from: number, to: number): number {
  const at = buf.indexOf(TS_MARKER, from);
  return at >= 0 && at + PAYLOAD_SIZE <= to ? at : -1;
}

/** Allocation-free readers for the consumer's hot path (-1 when not digits). */
export const readTs = (buf: Uint8Array, at: number): number => readDigits(buf, at + TS_AT, TS_DIGITS);
export const readSrc = (buf: Uint8Array, at: number): number => readDigits(buf, at + SRC_AT, SRC_DIGITS);
