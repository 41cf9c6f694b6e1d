import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExpectation } from '../../shared/protocol/vectors';
import { parseUdpVectors } from '../../shared/protocol/udp/vectors';
import { decodeHeader } from '../../shared/protocol/udp/wire';
import { decodeFrames } from '../../shared/protocol/udp/frames';
import { deriveDirectionKey, type DirectionKey, nextDirectionKey, open, tokenHash } from './crypto';
import { generate } from './vectors-gen';

const file = new URL('../../shared/protocol/udp-vectors.txt', import.meta.url);
const text = readFileSync(file, 'utf8');
const vectors = parseUdpVectors(text);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('UDP golden vectors', () => {
  it('the file is exactly what the code generates (no drift)', () => {
    const body = text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).join('\n');
    expect(body).toBe(generate());
    expect(vectors.length).toBeGreaterThan(20);
  });

  const keys = new Map<string, DirectionKey>();
  for (const v of vectors.filter((x) => x.kind === 'udpkey')) {
    it(`udpkey ${v.name}`, () => {
      const e = parseExpectation(v.expect);
      let k: DirectionKey;
      if (e.base) {
        k = keys.get(e.base)!;
        for (let i = 0; i < Number(e.updates); i++) k = nextDirectionKey(k);
      } else {
        k = deriveDirectionKey(tokenHash(e.token!), Buffer.from(e.snonce!, 'hex'), Buffer.from(e.dnonce!, 'hex'), Number(e.sid), e.dir as 'd2s');
      }
      expect(hex(Buffer.concat([k.key, k.iv]))).toBe(hex(v.bytes));
      keys.set(v.name, k);
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'datagram')) {
    it(`datagram ${v.name}: ${v.expect.split(' ')[0]}`, () => {
      const e = parseExpectation(v.expect);
      const h = decodeHeader(v.bytes);
      if (e.error && e.error !== 'auth') {
        expect(h).toEqual({ ok: false, error: e.error });
        return;
      }
      if (!h.ok) throw new Error(h.error);
      const plain = open(keys.get(e.key!)!, h.value.packetNumber, v.bytes, h.value.length);
      if (e.error === 'auth') {
        expect(plain).toBeNull();
        return;
      }
      expect(h.value.packetNumber).toBe(Number(e.pn));
      expect(h.value.keyPhase).toBe(Number(e.phase));
      expect(h.value.hello).toBe(e.hello === '1');
      expect(h.value.sessionId).toBe(Number(e.sid));
      expect(plain && hex(plain)).toBe(e.plain);
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'frames')) {
    it(`frames ${v.name}: ${v.expect.split(' ')[0]}`, () => {
      const e = parseExpectation(v.expect);
      const r = decodeFrames(v.bytes);
      if (e.error) {
        expect(r).toEqual({ ok: false, error: e.error });
        return;
      }
      if (!r.ok) throw new Error(r.error);
      expect(r.frames.map((f) => f.type).join(',')).toBe(e.types);
      const first = r.frames[0]!;
      if (first.type === 1) {
        expect([first.largest, first.delayMs, first.mask.toString(16).padStart(16, '0')]).toEqual([Number(e.largest), Number(e.delay), e.mask]);
      }
      if (first.type === 5) expect(first.window).toBe(Number(e.window));
      if (first.type === 4) {
        expect(first.channel).toBe(Number(e.channel));
        expect(first.seq).toBe(Number(e.seq));
        expect(first.data.length).toBe(Number(e.len));
        if (e.index) expect(first.fragment).toEqual({ index: Number(e.index), count: Number(e.count), total: Number(e.total) });
      }
    });
  }
});
