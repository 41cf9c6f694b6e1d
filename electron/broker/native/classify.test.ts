/**
 * Differential test of the fast path's envelope check against the TypeScript broker's: whenever
 * the native side would route a payload, parseDeviceEnvelope accepts it with the same targetId and
 * the same payload span. Golden vectors, hand-picked edge cases and 20,000 seeded mutations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeviceEnvelope } from '../../../shared/protocol/envelope';
import { parseVectors } from '../../../shared/protocol/vectors';
import { native } from './testing';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** The native verdict, checked against the TS one; returns whether the native side took it. */
function agree(bytes: Uint8Array): boolean {
  const spans = native.addon!.classify(bytes);
  if (spans === null) return false;
  const ts = parseDeviceEnvelope(bytes);
  const where = `native took ${JSON.stringify(latin1(bytes))}`;
  expect(ts.ok, where).toBe(true);
  if (!ts.ok) return true;
  expect(ts.value.targetId, where).toBe(latin1(bytes.subarray(spans[0], spans[1])));
  expect([ts.value.payloadStart, ts.value.payloadEnd], where).toEqual([spans[2], spans[3]]);
  return true;
}

/** TS accepts it and it has the fast shape (no whitespace outside the payload): the native side must take it. */
function fastShape(bytes: Uint8Array): boolean {
  const head = /^\{"targetId":"([A-Za-z0-9_.:-]{1,64})","payload":/.exec(latin1(bytes));
  const ts = parseDeviceEnvelope(bytes);
  return head !== null && ts.ok && ts.value.target === 'device' && ts.value.payloadStart === head[0].length && ts.value.payloadEnd === bytes.length - 1;
}

const SEEDS = [
  '{"targetId":"relay-1","payload":{"cmd":"toggle"}}',
  '{"targetId":"a","payload":{}}',
  '{"targetId":"dev.1:x_y-z","payload":{"n":-0.5e+10,"t":true,"f":false,"z":null,"a":[1,[2,{"b":"c"}]]}}',
  '{"targetId":"lamp","payload":{"text":"caf\u00e9 \u2603 \ud83d\ude00","esc":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"}}',
  '{"targetId":"lamp","payload":{ "spaced" : [ 1 , 2 ] , "k" : { } }}',
  '{"targetId":"lamp","payload":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}}',
  `{"targetId":"deep","payload":${'{"a":'.repeat(30)}1${'}'.repeat(30)}}`,
];

/** Bytes a mutation draws from: JSON's punctuation, digits, letters, escapes, UTF-8 pieces, junk. */
const PIECES = [...'{}[]":,\\ \t\n0123456789-+.eEtrufalsnbx_/'].map((c) => c.charCodeAt(0)).concat([0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe2, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0xff]);
const SNIPPETS = ['"__proto__"', '"\\u005f_proto__"', '"a"', '"b"', '\\u0000', '\\ud800', '{"a":1,"a":2}', '[', ']', '{', '}', 'true', '1e', '-', '0', '01', '"server"', '"broadcast"', ' '].map(utf8);

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(seed: Uint8Array, random: () => number): Uint8Array {
  let bytes = Array.from(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  for (let m = 1 + pick(3); m > 0; m--) {
    const at = pick(bytes.length + 1);
    const kind = pick(5);
    if (kind === 0 && bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = PIECES[pick(PIECES.length)]!;
    else if (kind === 1) bytes.splice(at, 0, PIECES[pick(PIECES.length)]!);
    else if (kind === 2) bytes.splice(at, 1 + pick(3));
    else if (kind === 3) bytes.splice(at, 0, ...SNIPPETS[pick(SNIPPETS.length)]!);
    else bytes = bytes.concat(bytes.slice(at, at + pick(8))).slice(0, bytes.length + 8);
  }
  return Uint8Array.from(bytes);
}

describe.skipIf(native.skip !== null)('native fast-path envelope check', () => {
  it('takes only envelopes the TypeScript parser accepts, with the same target and payload span (golden vectors)', () => {
    const vectors = parseVectors(readFileSync(new URL('../../../shared/protocol/vectors.txt', import.meta.url), 'utf8')).filter((v) => v.kind === 'envelope');
    expect(vectors.length).toBeGreaterThan(10);
    for (const v of vectors) agree(v.bytes);
    // The plain device vector is the fast shape: the native side must take it.
    const fast = vectors.filter((v) => v.expect.startsWith('ok') && fastShape(v.bytes));
    expect(fast.length).toBeGreaterThan(0);
    expect(fast.every((v) => agree(v.bytes))).toBe(true);
  });

  it('takes the seed envelopes and a payload 31 levels deep, and refuses one 32 deep as the TS parser does', () => {
    for (const seed of SEEDS) expect(agree(utf8(seed)), seed).toBe(true);
    expect(agree(utf8(`{"targetId":"deep","payload":${'{"a":'.repeat(31)}1${'}'.repeat(31)}}`))).toBe(true);
    const tooDeep = utf8(`{"targetId":"deep","payload":${'{"a":'.repeat(32)}1${'}'.repeat(32)}}`);
    expect(parseDeviceEnvelope(tooDeep).ok).toBe(false);
    expect(agree(tooDeep)).toBe(false);
  });

  it('agrees with parseDeviceEnvelope on 20,000 random mutations of valid envelopes', () => {
    const random = mulberry32(20260106);
    const seeds = SEEDS.map(utf8);
    let taken = 0;
    let missed = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = mutate(seeds[i % seeds.length]!, random);
      if (agree(bytes)) taken++;
      else if (fastShape(bytes)) missed++;
    }
    // The fast shape with a payload TS accepts is routed natively: the scanners agree both ways.
    expect(missed).toBe(0);
    // Enough survive the mutations for the comparison to mean something.
    expect(taken).toBeGreaterThan(1_000);
  });
});
