import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDeliveredEnvelope } from '../../shared/protocol/envelope';
import { encodeFrame } from '../../shared/protocol/frame';
import { SERVER_PREFIX, deliveredFrame, envelopePrefix, withMsgId } from './wire';

describe('wire', () => {
  it('builds the same bytes as the shared encoders', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(30, 50),
        (from, msgId, payload, cmd) => {
          const expected = encodeFrame(cmd, msgId, encodeDeliveredEnvelope(from, payload));
          expect([...deliveredFrame(cmd, msgId, envelopePrefix(from), payload)]).toEqual([...expected]);
          const copy = withMsgId(expected, (msgId + 1) & 0xffff);
          expect(copy[2]).toBe((msgId + 1) & 0xff);
          expect([...copy.subarray(3)]).toEqual([...expected.subarray(3)]);
        },
      ),
      { numRuns: 200 },
    );
    expect([...deliveredFrame(30, 1, SERVER_PREFIX, Buffer.from('{}'))]).toEqual([...encodeFrame(30, 1, '{"from":"server","payload":{}}')]);
  });
});
