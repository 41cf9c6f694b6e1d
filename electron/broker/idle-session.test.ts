import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import type { BrokerCore } from './core';
import { TokenBucket } from './limits';
import type { Session } from './session';
import { startTestBroker, type TestBroker } from './testing/fixtures';

let t: TestBroker;
afterEach(async () => t?.close());

const sessionOf = (id: string): Session => (t.broker as unknown as { core: BrokerCore }).core.sessionById(id)!;

/** The session's own fields that hold the bytes of its envelope prefix. */
function heldPrefixes(session: Session): number {
  const prefix = `{"from":"${session.id}","payload":`;
  return Object.values(session).filter((v) => v instanceof Uint8Array && Buffer.from(v).toString('latin1') === prefix).length;
}

describe('an idle logged-in session', () => {
  it('holds no envelope prefix until it is needed, and builds the right one then', async () => {
    t = await startTestBroker(['a', 'b']);
    const a = await t.v2('a');
    const b = await t.v2('b');
    expect(heldPrefixes(sessionOf('a'))).toBe(0);
    expect(sessionOf('a').prefix).toEqual(Buffer.from('{"from":"a","payload":'));
    await a.send('b', '{"n":1}');
    const [msg] = await b.waitMessages(1);
    expect(msg!.raw).toBe('{"from":"a","payload":{"n":1}}');
    expect(heldPrefixes(sessionOf('b'))).toBe(0);
  });

  it('holds no rate bucket until it sends, and is still limited to the burst then', async () => {
    t = await startTestBroker(['a', 'b'], { limits: { ratePerSecond: 1, rateBurst: 3 } });
    const a = await t.v2('a');
    await t.v2('b');
    const buckets = (id: string): number => Object.values(sessionOf(id)).filter((v) => v instanceof TokenBucket).length;
    expect(buckets('a')).toBe(0);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await a.send('b', `{"n":${i}}`));
    expect(statuses.filter((s) => s === Status.SUCCESS).length).toBe(3);
    expect(buckets('b')).toBe(0);
  });
});
