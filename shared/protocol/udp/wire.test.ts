import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrames, writeAck, writeMsg } from './frames';
import { decodeHeader, encodeHeader, HELLO_HEADER_BYTES, MAX_PACKET_NUMBER } from './wire';
import { SlidingWindow } from './window';

describe('UDP wire codecs (property tests)', () => {
  it('never throw on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2100 }), (bytes) => {
        const h = decodeHeader(bytes);
        const f = decodeFrames(bytes);
        expect(typeof h.ok).toBe('boolean');
        expect(typeof f.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('header encode/decode round-trips every field', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: MAX_PACKET_NUMBER }), fc.boolean(), fc.constantFrom(0 as const, 1 as const), (sid, pn, hello, phase) => {
        const out = new Uint8Array(HELLO_HEADER_BYTES + 40);
        const nonce = hello ? Uint8Array.from({ length: 16 }, (_, i) => i) : null;
        encodeHeader(out, { keyPhase: phase, sessionId: sid, packetNumber: pn, deviceNonce: nonce });
        const h = decodeHeader(out);
        expect(h.ok && [h.value.sessionId, h.value.packetNumber, h.value.hello, h.value.keyPhase]).toEqual([sid, pn, hello, phase]);
      }),
    );
  });

  it('frames round-trip, and every truncation is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2 ** 40 }), (channel, seq, data, largest) => {
        const out = new Uint8Array(400);
        let at = writeAck(out, 0, { largest, delayMs: 7, mask: 5n });
        at = writeMsg(out, at, { channel: channel as 0, seq, deflate: false, fragment: null, data });
        const r = decodeFrames(out.subarray(0, at));
        expect(r.ok && r.frames.length).toBe(2);
        if (r.ok && r.frames[1]!.type === 4) expect(Array.from(r.frames[1]!.data)).toEqual(Array.from(data));
        for (const cut of [1, 18, 19 + 3, at - 1]) if (cut < at && cut !== 19) expect(decodeFrames(out.subarray(0, cut)).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('the replay window accepts each packet number at most once, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 }), (pns) => {
        const w = new SlidingWindow();
        const accepted = new Set<number>();
        for (const pn of pns) {
          if (w.check(pn) !== 'new') continue;
          expect(accepted.has(pn)).toBe(false);
          accepted.add(pn);
          w.accept(pn);
        }
      }),
    );
  });
});
