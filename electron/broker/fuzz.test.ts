import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeFrame } from '../../shared/protocol/frame';
import { Broker } from './broker';
import { duplexPair } from './testing/duplex-pair';
import { collectCloses, testToken } from './testing/fixtures';
import { V2Client } from './testing/v2-client';
import { MemoryTokenStore } from './tokens';

const tick = () => new Promise((r) => setImmediate(r));

/** Random frames, valid-looking and not, so the fuzz reaches past the header checks. */
const frameish = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.record({ type: fc.constantFrom(0, 6, 29, 30, 41, 50, 7, 255), id: fc.integer({ min: 0, max: 0xffff }), body: fc.uint8Array({ maxLength: 80 }) })
    .map(({ type, id, body }) => encodeFrame(type, id, body)),
  fc.record({ id: fc.integer({ min: 1, max: 0xffff }), json: fc.json({ maxDepth: 4 }) })
    .map(({ id, json }) => encodeFrame(Command.JSON_MESSAGE, id, `{"targetId":"peer","payload":${json}}`)),
);

describe('fuzz: random input after login', () => {
  it('never throws, never harms another session, and every close has a known reason', async () => {
    const tokens = new MemoryTokenStore();
    tokens.add('fuzz', testToken('fuzz'));
    tokens.add('peer', testToken('peer'));
    const broker = new Broker({ tokens, closeLingerMs: 50 });
    const closes = collectCloses(broker);
    const connect = () => {
      const [a, b] = duplexPair();
      broker.handle(a, { address: 'mem', transport: 'tcp' });
      return new V2Client(b);
    };
    const peer = connect();
    expect(await peer.login(testToken('peer'))).toBe(Status.SUCCESS);
    const reasons = new Set(['protocol_error', 'auth_failed', 'replaced']);
    await fc.assert(
      fc.asyncProperty(fc.array(frameish, { maxLength: 6 }), async (chunks) => {
        const fuzz = connect();
        if ((await fuzz.login(testToken('fuzz'))) !== Status.SUCCESS) throw new Error('login failed');
        for (const chunk of chunks) fuzz.write(chunk);
        await tick();
        await tick();
        fuzz.destroy();
        await tick();
      }),
      { numRuns: 150 },
    );
    for (const [device, reason] of closes) {
      if (device === 'fuzz' && reason !== 'closed_by_peer') expect(reasons).toContain(reason);
    }
    expect(closes.filter(([device]) => device === 'peer')).toEqual([]);
    expect(await peer.send('server', '{"alive":true}')).toBe(Status.SUCCESS);
    expect(broker.stats().listenerErrors).toBe(0);
    await broker.close();
  });
});
