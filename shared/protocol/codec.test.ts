import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectorsText from './vectors.txt?raw';
import { DEFAULT_MAX_PAYLOAD, Command, HEADER_SIZE } from './constants';
import { FrameDecoder, type DecodeResult } from './decoder';
import { encodeFrame, type Frame } from './frame';
import { parseExpectation, parseVectors } from './vectors';

const vectors = parseVectors(vectorsText);
const frameVectors = vectors.filter((v) => v.kind === 'frame');

type Outcome = { frames: Frame[]; error?: string; needMore: boolean };

function decodeChunks(chunks: Uint8Array[], decoder = new FrameDecoder()): Outcome {
  const frames: Frame[] = [];
  let last: DecodeResult = { kind: 'need-more' };
  for (const chunk of chunks) {
    decoder.feed(chunk);
    for (last = decoder.next(); last.kind === 'frame'; last = decoder.next()) {
      // Copy: a frame may alias the chunk it came from.
      frames.push({ ...last.frame, payload: last.frame.payload.slice() });
    }
    if (last.kind === 'error') return { frames, error: last.error.code, needMore: false };
  }
  return { frames, needMore: decoder.bufferedBytes > 0 };
}

function checkOutcome(expect: string, outcome: Outcome, bytes: Uint8Array): void {
  const want = parseExpectation(expect);
  if ('ok' in want) {
    expect_(outcome.error).toBeUndefined();
    expect_(outcome.frames).toHaveLength(1);
    const [frame] = outcome.frames as [Frame];
    expect_(frame.type).toBe(Number(want.type));
    expect_(frame.msgId).toBe(Number(want.id));
    expect_(frame.payload.length).toBe(Number(want.len));
    expect_(Array.from(frame.payload)).toEqual(Array.from(bytes.subarray(HEADER_SIZE)));
    expect_(outcome.needMore).toBe(false);
  } else if ('frames' in want) {
    expect_(outcome.error).toBeUndefined();
    expect_(outcome.frames).toHaveLength(Number(want.frames));
    expect_(outcome.needMore).toBe(false);
  } else if ('need-more' in want) {
    expect_(outcome.error).toBeUndefined();
    expect_(outcome.frames).toHaveLength(0);
    expect_(outcome.needMore).toBe(true);
  } else {
    expect_(outcome.error).toBe(want.error);
  }
}
const expect_ = expect;

describe('golden vectors (shared/protocol/vectors.txt)', () => {
  it('has the exact legacy bytes', () => {
    const login = vectors.find((v) => v.name === 'legacy_login')!;
    expect(Array.from(login.bytes.subarray(0, 5))).toEqual([0x1d, 0x00, 0x01, 0x00, 0x14]);
    const reply = vectors.find((v) => v.name === 'login_success_reply')!;
    expect(Array.from(reply.bytes)).toEqual([0x00, 0x00, 0x01, 0x00, 0x01, 0xc8]);
    expect(frameVectors.length).toBeGreaterThan(15);
  });

  it.each(frameVectors.map((v) => [v.name, v] as const))('decodes %s in one chunk', (_name, v) => {
    checkOutcome(v.expect, decodeChunks([v.bytes]), v.bytes);
  });

  it.each(frameVectors.map((v) => [v.name, v] as const))('decodes %s split at every offset', (_name, v) => {
    for (let cut = 0; cut <= v.bytes.length; cut++) {
      checkOutcome(v.expect, decodeChunks([v.bytes.subarray(0, cut), v.bytes.subarray(cut)]), v.bytes);
    }
    // And byte by byte.
    checkOutcome(v.expect, decodeChunks(Array.from(v.bytes, (b) => Uint8Array.of(b))), v.bytes);
  });

  it.each(frameVectors.filter((v) => v.expect.startsWith('ok')).map((v) => [v.name, v] as const))(
    'encodes %s to the same bytes (mirror)',
    (_name, v) => {
      const [frame] = decodeChunks([v.bytes]).frames as [Frame];
      expect(Array.from(encodeFrame(frame.type, frame.msgId, frame.payload))).toEqual(Array.from(v.bytes));
    },
  );
});

describe('FrameDecoder', () => {
  it('rejects an oversized length from the header alone, holding no body', () => {
    const decoder = new FrameDecoder({ maxPayload: 1024 });
    decoder.feed(Uint8Array.of(Command.JSON_MESSAGE, 0, 1, 0xff, 0xff));
    const result = decoder.next();
    expect(result).toMatchObject({ kind: 'error', error: { code: 'too_large', length: 65535, max: 1024 } });
    expect(decoder.bufferedBytes).toBe(0);
    // It stays failed.
    decoder.feed(encodeFrame(Command.PING, 1));
    expect(decoder.next().kind).toBe('error');
  });

  it('keeps memory bounded while a peer declares large frames and trickles bytes', () => {
    const decoder = new FrameDecoder();
    decoder.feed(Uint8Array.of(Command.JSON_MESSAGE, 0, 1, DEFAULT_MAX_PAYLOAD >> 8, DEFAULT_MAX_PAYLOAD & 0xff));
    expect(decoder.next().kind).toBe('need-more');
    for (let i = 0; i < 1000; i++) {
      decoder.feed(new Uint8Array(10));
      expect(decoder.next().kind).toBe('need-more');
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEADER_SIZE + DEFAULT_MAX_PAYLOAD);
    }
  });

  it('never throws on random byte streams, and errors only with typed codes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.integer({ min: 0, max: 70000 }), (chunks, max) => {
        const outcome = decodeChunks(chunks, new FrameDecoder({ maxPayload: max }));
        if (outcome.error) expect(['too_large', 'unknown_type']).toContain(outcome.error);
        for (const f of outcome.frames) expect(f.payload.length).toBeLessThanOrEqual(Math.min(max, 65535));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips arbitrary valid frames however the stream is split', () => {
    const commands = Object.values(Command);
    const frameArb = fc.record({
      type: fc.constantFrom(...commands),
      msgId: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 2000 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, cuts) => {
        const stream = concat(frames.map((f) => encodeFrame(f.type, f.msgId, f.payload)));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(stream.subarray(at, p));
          at = p;
        }
        chunks.push(stream.subarray(at));
        const outcome = decodeChunks(chunks, new FrameDecoder({ maxPayload: 65535 }));
        expect(outcome.error).toBeUndefined();
        expect(outcome.frames.map((f) => [f.type, f.msgId, Array.from(f.payload)])).toEqual(
          frames.map((f) => [f.type, f.msgId, Array.from(f.payload)]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('keeps bytes fed before the previous chunk was drained', () => {
    const decoder = new FrameDecoder();
    decoder.feed(concat([encodeFrame(Command.PING, 1), encodeFrame(Command.PING, 2)]));
    expect(decoder.next()).toMatchObject({ kind: 'frame', frame: { msgId: 1 } });
    decoder.feed(encodeFrame(Command.PING, 3));
    const ids = [];
    for (let r = decoder.next(); r.kind === 'frame'; r = decoder.next()) ids.push(r.frame.msgId);
    expect(ids).toEqual([2, 3]);
  });
});

describe('FrameDecoder.setMaxPayload', () => {
  it('applies the new limit from the next header on', () => {
    const d = new FrameDecoder({ maxPayload: 8 });
    d.feed(encodeFrame(Command.LOGIN, 1, 'x'.repeat(8)));
    expect(d.next()).toMatchObject({ kind: 'frame', frame: { type: Command.LOGIN } });
    d.setMaxPayload(100);
    d.feed(encodeFrame(Command.JSON_MESSAGE, 2, 'y'.repeat(100)));
    expect(d.next()).toMatchObject({ kind: 'frame', frame: { msgId: 2 } });
    d.setMaxPayload(10);
    d.feed(encodeFrame(Command.JSON_MESSAGE, 3, 'z'.repeat(11)));
    expect(d.next()).toMatchObject({ kind: 'error', error: { code: 'too_large', max: 10 } });
  });
});

describe('encodeFrame', () => {
  it('writes a big-endian header and the payload in one buffer', () => {
    expect(Array.from(encodeFrame(Command.JSON_MESSAGE, 0x0102, 'hi'))).toEqual([30, 1, 2, 0, 2, 0x68, 0x69]);
  });
  it('refuses values the header cannot carry', () => {
    expect(() => encodeFrame(30, 70000)).toThrow(RangeError);
    expect(() => encodeFrame(30, 1, new Uint8Array(65536))).toThrow(RangeError);
  });
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
