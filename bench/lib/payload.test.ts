import { describe, expect, it } from 'vitest';
import { PAYLOAD_SIZE, PAYLOAD_TEMPLATE, findPayload, readSrc, readStamp, readTs, stampPayload } from './payload';

describe('bench payload', () => {
  it('is 64 bytes of valid JSON', () => {
    expect(Buffer.byteLength(PAYLOAD_TEMPLATE)).toBe(PAYLOAD_SIZE);
    expect(JSON.parse(PAYLOAD_TEMPLATE)).toHaveProperty('ts');
  });

  it('round-trips a stamp written in place inside an envelope', () => {
    const prefix = '{"from":"pub-007","payload":';
    const buf = Buffer.from(prefix + PAYLOAD_TEMPLATE + '}');
    stampPayload(buf, prefix.length, 7, 123_456, 987_654_321_012);
    const at = findPayload(buf, 0, buf.length);
    expect(at).toBe(prefix.length);
    expect(readStamp(buf, at)).toEqual({ ts: 987_654_321_012, src: 7, seq: 123_456 });
    expect(readTs(buf, at)).toBe(987_654_321_012);
    expect(readSrc(buf, at)).toBe(7);
    expect(JSON.parse(buf.toString()).payload.src).toBe('0007');
  });

  it('rejects bytes that are not a stamped payload', () => {
    const buf = Buffer.from('{"from":"x","payload":{"ts":"abc"}}');
    expect(findPayload(buf, 0, buf.length)).toBe(-1);
    expect(readStamp(Buffer.from(PAYLOAD_TEMPLATE.replace('"ts":"0', '"ts":"x')), 0)).toBeNull();
  });
});
