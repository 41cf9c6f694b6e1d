import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectorsText from './vectors.txt?raw';
import { encodeDeliveredEnvelope, encodeDeviceEnvelope, parseDeliveredEnvelope, parseDeviceEnvelope, isValidDeviceId, targetIdCache } from './envelope';
import { parseLogin } from './login';
import { parseExpectation, parseVectors } from './vectors';

const envelopeVectors = parseVectors(vectorsText).filter((v) => v.kind === 'envelope');
const utf8 = new TextEncoder();
const text = new TextDecoder();

describe('device envelope vectors', () => {
  it.each(envelopeVectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const want = parseExpectation(v.expect);
    const result = parseDeviceEnvelope(v.bytes);
    if ('ok' in want) {
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.targetId).toBe(want.target);
      const payload = v.bytes.subarray(result.value.payloadStart, result.value.payloadEnd);
      // The span is exactly the payload JSON, parseable on its own.
      expect(typeof JSON.parse(text.decode(payload))).toBe('object');
    } else {
      expect(result).toMatchObject({ ok: false, error: { code: want.error } });
    }
  });
});

/** True when "__proto__" is used as a key anywhere (as a string value it is harmless). */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  return Object.keys(value).some((key) => key === '__proto__' || hasProtoKey((value as Record<string, unknown>)[key]));
}

describe('envelopes', () => {
  it('agrees with JSON.parse on which payloads are valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const json = JSON.stringify({ targetId: 'dev-1', payload: value });
        const result = parseDeviceEnvelope(utf8.encode(json));
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        expect(result.ok).toBe(isObject && !hasProtoKey(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts "__proto__" as a string value and rejects it as a key', () => {
    expect(parseDeviceEnvelope(utf8.encode('{"targetId":"a","payload":{"":"__proto__"}}')).ok).toBe(true);
    expect(parseDeviceEnvelope(utf8.encode('{"targetId":"a","payload":{"__proto__":1}}'))).toMatchObject({ ok: false, error: { code: 'forbidden_key' } });
  });

  it('rejects "__proto__" as a key also when escapes spell it (JSON.parse decodes them)', () => {
    for (const key of ['\\u005f_proto__', '__proto\\u005F\\u005f', '\\u005F\\u005F\\u0070\\u0072\\u006F\\u0074\\u006F\\u005F\\u005F', '_\\u005fproto__']) {
      const json = `{"targetId":"a","payload":{"x":[{"${key}":{"polluted":1}}]}}`;
      expect(Object.keys(JSON.parse(json).payload.x[0])).toEqual(['__proto__']);
      expect(parseDeviceEnvelope(utf8.encode(json))).toMatchObject({ ok: false, error: { code: 'forbidden_key' } });
      expect(parseDeviceEnvelope(utf8.encode(`{"${key}":{},"targetId":"a","payload":{}}`))).toMatchObject({ ok: false, error: { code: 'forbidden_key' } });
    }
    // Near misses stay ordinary keys.
    for (const key of ['\\u005f_proto_', '\\u005f_proto__x', '__proto\\u005f', '\\u005f_Proto__']) {
      expect(parseDeviceEnvelope(utf8.encode(`{"targetId":"a","payload":{"${key}":1}}`)).ok).toBe(true);
    }
  });

  it('rejects a key repeated in one object of the payload, at any depth and however it is spelled', () => {
    const parse = (payload: string) => parseDeviceEnvelope(utf8.encode(`{"targetId":"a","payload":${payload}}`));
    const refused = { ok: false, error: { code: 'duplicate_key' } };
    expect(parse('{"relay":true,"relay":false}')).toMatchObject(refused);
    expect(parse('{"x":{"a":1,"b":{"c":1},"a":2}}')).toMatchObject(refused);
    expect(parse('{"list":[1,{"k":1,"k":2}]}')).toMatchObject(refused);
    expect(parse('{"relay":1,"\\u0072elay":2}')).toMatchObject(refused); // escapes decode to the same key
    expect(parse('{"\u00e9":1,"\\u00e9":2}')).toMatchObject(refused); // é as UTF-8 and as an escape
    // Equal keys in different objects, and keys that only look alike, are fine.
    expect(parse('{"a":{"k":1},"b":{"k":1},"k":[{"k":1},{"k":2}]}').ok).toBe(true);
    expect(parse('{"a":1,"A":1,"ab":1,"\\u0061b2":1}').ok).toBe(true);
    // A scan that failed leaves nothing behind for the next one.
    expect(parse('{"k":{"q":1,"q":2}}')).toMatchObject(refused);
    expect(parse('{"k":{"q":1,')).toMatchObject({ ok: false });
    expect(parse('{"q":1,"k":{"q":1}}').ok).toBe(true);
  });

  it('checks large objects for repeated keys too (past 16 keys by a set, so thousands stay linear)', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`);
    const parse = (members: string[]) => parseDeviceEnvelope(utf8.encode(`{"targetId":"a","payload":{"o":{${members.join(',')}}}}`));
    expect(parse(keys).ok).toBe(true);
    expect(parse([...keys, '"k0":0'])).toMatchObject({ ok: false, error: { code: 'duplicate_key' } });
    expect(parse([...keys, '"\\u006b4999":0'])).toMatchObject({ ok: false, error: { code: 'duplicate_key' } });
    expect(parse([...keys.slice(0, 17), '"k3":0'])).toMatchObject({ ok: false, error: { code: 'duplicate_key' } }); // just past the switch
    expect(parse(keys.slice(0, 17)).ok).toBe(true);
  });

  it('refuses exactly the payloads where two members of one object decode to the same key', () => {
    // Random nested objects whose keys collide often: a two-letter alphabet, some spelled with an escape.
    const key = fc.stringMatching(/^[ab]{1,2}$/).chain((k) => fc.constantFrom(`"${k}"`, `"\\u006${k.startsWith('a') ? '1' : '2'}${k.slice(1)}"`));
    const { obj } = fc.letrec<{ obj: string }>((tie) => ({
      obj: fc
        .array(fc.tuple(key, fc.oneof({ depthSize: 'small' }, fc.constant('1'), tie('obj'))), { maxLength: 4 })
        .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
    }));
    fc.assert(
      fc.property(obj, (payload) => {
        const result = parseDeviceEnvelope(utf8.encode(`{"targetId":"a","payload":${payload}}`));
        expect(result.ok).toBe(!hasRepeatedKey(payload));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = parseDeviceEnvelope(bytes);
        if (r.ok) JSON.parse(text.decode(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes a payload 31 levels deep (the envelope is the 32nd), not 32', () => {
    const nested = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
    expect(parseDeviceEnvelope(utf8.encode(`{"targetId":"x","payload":${nested(31)}}`)).ok).toBe(true);
    expect(parseDeviceEnvelope(utf8.encode(`{"targetId":"x","payload":${nested(32)}}`))).toMatchObject({ ok: false, error: { code: 'too_deep' } });
  });

  it('rejects a 100k-deep array without overflowing the stack', () => {
    const deep = `{"targetId":"x","payload":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(parseDeviceEnvelope(utf8.encode(deep))).toMatchObject({ ok: false, error: { code: 'too_deep' } });
  });

  it('forwards the payload bytes untouched into a delivered envelope', () => {
    const sent = utf8.encode('{"targetId":"lamp","payload":{ "x" : 1.50 }}');
    const parsed = parseDeviceEnvelope(sent);
    if (!parsed.ok) throw new Error('expected ok');
    const delivered = encodeDeliveredEnvelope('switch-1', sent.subarray(parsed.value.payloadStart, parsed.value.payloadEnd));
    expect(text.decode(delivered)).toBe('{"from":"switch-1","payload":{ "x" : 1.50 }}');
    const back = parseDeliveredEnvelope(delivered);
    expect(back).toMatchObject({ ok: true, value: { from: 'switch-1' } });
    expect(text.decode(encodeDeviceEnvelope('a', '{}'))).toBe('{"targetId":"a","payload":{}}');
  });
});

describe('parseLogin', () => {
  it('reads a raw token as legacy', () => {
    expect(parseLogin(utf8.encode('legacy-token-0000001'))).toEqual({ ok: true, value: { kind: 'legacy', token: 'legacy-token-0000001' } });
  });
  it('reads a v2 JSON login with its device description', () => {
    const r = parseLogin(utf8.encode('{"v":2,"token":"t","device":{"name":"lamp","controls":[{"id":"relay1","kind":"relay"}]}}'));
    expect(r).toMatchObject({ ok: true, value: { kind: 'v2', token: 't', device: { name: 'lamp', controls: [{ id: 'relay1' }], telemetry: [] } } });
  });
  it("reads a v2 login's receive limit (maxPayload, 64..65535), null when left out", () => {
    expect(parseLogin(utf8.encode('{"v":2,"token":"t","maxPayload":1024}'))).toMatchObject({ ok: true, value: { kind: 'v2', maxPayload: 1024 } });
    expect(parseLogin(utf8.encode('{"v":2,"token":"t","maxPayload":64}'))).toMatchObject({ ok: true, value: { maxPayload: 64 } });
    expect(parseLogin(utf8.encode('{"v":2,"token":"t","maxPayload":65535}'))).toMatchObject({ ok: true, value: { maxPayload: 65535 } });
    expect(parseLogin(utf8.encode('{"v":2,"token":"t"}'))).toMatchObject({ ok: true, value: { maxPayload: null } });
    for (const bad of ['63', '65536', '1024.5', '"1024"', 'null', '-1']) {
      expect(parseLogin(utf8.encode(`{"v":2,"token":"t","maxPayload":${bad}}`))).toMatchObject({ ok: false, error: { code: 'malformed' } });
    }
  });
  it('reads the golden v2 LOGIN (the one the firmware writes, firmware/test/codec_test.cpp) with its receive limit', () => {
    const login = parseVectors(vectorsText).find((v) => v.name === 'v2_login')!;
    expect(parseLogin(login.bytes.subarray(5))).toMatchObject({ ok: true, value: { kind: 'v2', token: 'abc', maxPayload: 1024, device: { name: 'lamp' } } });
  });
  it.each([
    ['', 'empty'],
    ['{"v":2}', 'malformed'],
    ['{"v":2,"token":"t","__proto__":{}}', 'malformed'],
    ['{"v":3,"token":"t"}', 'unsupported_version'],
    // A newer version is refused as such even when it brings keys or omits ones v2 requires.
    ['{"v":3,"token":"t","caps":["udp2"]}', 'unsupported_version'],
    ['{"v":3,"auth":{"token":"t"}}', 'unsupported_version'],
    ['{"v":1,"token":"t"}', 'unsupported_version'],
    ['{"v":"2","token":"t"}', 'malformed'],
    ['{not json', 'malformed'],
    ['tok en', 'malformed'],
  ])('rejects %j as %s', (payload, code) => {
    expect(parseLogin(utf8.encode(payload))).toMatchObject({ ok: false, error: { code } });
  });
});

describe('targetId cache', () => {
  it('reuses the last id only for the same bytes, and still refuses bad ids', () => {
    const cache = targetIdCache();
    const parse = (target: string) => parseDeviceEnvelope(utf8.encode(`{"targetId":"${target}","payload":{}}`), cache);
    expect(parse('lamp-1')).toMatchObject({ ok: true, value: { targetId: 'lamp-1', target: 'device' } });
    expect(parse('lamp-1')).toMatchObject({ ok: true, value: { targetId: 'lamp-1' } });
    expect(parse('lamp-2')).toMatchObject({ ok: true, value: { targetId: 'lamp-2' } }); // same length, other bytes
    expect(parse('lamp 2')).toMatchObject({ ok: false, error: { code: 'bad_target' } });
    expect(parse('lamp-2')).toMatchObject({ ok: true, value: { targetId: 'lamp-2' } });
    expect(parse('server')).toMatchObject({ ok: true, value: { targetId: 'server', target: 'server' } });
    expect(parse('lämp-2')).toMatchObject({ ok: false, error: { code: 'bad_target' } });
    expect(parse('x'.repeat(64))).toMatchObject({ ok: true, value: { targetId: 'x'.repeat(64) } });
  });

  it('agrees with the uncached parse on random targets', () => {
    const cache = targetIdCache();
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (target) => {
        const bytes = utf8.encode(JSON.stringify({ targetId: target, payload: {} }));
        const cached = parseDeviceEnvelope(bytes, cache);
        expect(cached).toEqual(parseDeviceEnvelope(bytes));
        expect(cached.ok).toBe(isValidDeviceId(target)); // the byte table matches DEVICE_ID_PATTERN
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * The test's own reading of the generated payloads above (objects of `"key":1` or `"key":{...}`, keys
 * without quotes inside): whether some object has two members whose keys decode alike.
 */
function hasRepeatedKey(text: string): boolean {
  let i = 0;
  let repeated = false;
  const object = (): void => {
    const seen = new Set<string>();
    i++; // {
    while (text[i] !== '}') {
      if (text[i] === ',') i++;
      const close = text.indexOf('"', i + 1);
      const name = JSON.parse(text.slice(i, close + 1)) as string;
      if (seen.has(name)) repeated = true;
      seen.add(name);
      i = close + 2; // past the quote and the colon
      if (text[i] === '{') object();
      else i++; // 1
    }
    i++; // }
  };
  object();
  return repeated;
}
