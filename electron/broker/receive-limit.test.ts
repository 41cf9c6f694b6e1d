import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import type { Session } from './session';
import { eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { V2Client } from './testing/v2-client';

// A device's receive limit (PROTOCOL.md 3.2, "maxPayload" in its v2 LOGIN): a delivery bigger than
// it would be skipped by the firmware while its sender heard SUCCESS, so the broker refuses it.
// Runs in both vitest projects: on the native wire (its fast path must refuse it too) and on JS.

let t: TestBroker;
afterEach(async () => t?.close());

const LIMIT = 1024;
const session = (id: string): Session | undefined => (t.broker as unknown as { core: { sessionById(id: string): Session | undefined } }).core.sessionById(id);
/** A payload whose delivered envelope from `from` is exactly `size` bytes. */
const sized = (from: string, size: number): string => `{"s":"${'x'.repeat(size - `{"from":"${from}","payload":{"s":""}}`.length)}"}`;

/** `small` logged in with a 1024-byte receive limit; both on the fast path when the broker runs the native wire. */
async function start(devices: string[] = ['a', 'small']): Promise<V2Client> {
  t = await startTestBroker(devices);
  const small = await V2Client.connect(t.port);
  expect(await small.login(testToken('small'), {}, { maxPayload: LIMIT })).toBe(Status.SUCCESS);
  return small;
}

async function onWire(...ids: string[]): Promise<void> {
  if (t.broker.dataPath === 'native') await eventually(() => ids.every((id) => session(id)?.routed), 2_000, `${ids.join(', ')} routed`);
}

describe("a v2 device's receive limit", () => {
  it('refuses a 2 KB message to it with PAYLOAD_TOO_LARGE, counted on the sender, and delivers a 900 B one', async () => {
    const small = await start();
    const a = await t.v2('a');
    await onWire('a', 'small');
    expect(await a.send('small', sized('a', 2048))).toBe(Status.PAYLOAD_TOO_LARGE);
    expect(await a.send('small', sized('a', LIMIT + 1))).toBe(Status.PAYLOAD_TOO_LARGE);
    expect(await a.send('small', sized('a', 900))).toBe(Status.SUCCESS);
    expect(await a.send('small', sized('a', LIMIT))).toBe(Status.SUCCESS);
    // In order from one sender: had a refused one been delivered, it would be here before these.
    const delivered = await small.waitMessages(2);
    expect(delivered.map((m) => m.raw.length)).toEqual([900, LIMIT]);
    expect(t.broker.sessions().find((s) => s.id === 'a')!.counters.errorsByKind).toEqual({ too_large_for_target: 2 });
  });

  it('gives a legacy sender the empty ack it gets for any refused message, and does not deliver', async () => {
    const small = await start();
    const a = await t.legacy('a');
    await onWire('a', 'small');
    const big = a.send('small', sized('a', 2048));
    a.send('small', sized('a', 900));
    await small.waitMessages(1);
    expect(small.messages.map((m) => m.raw.length)).toEqual([900]);
    const ack = await a.waitFor(() => a.acks.find((f) => f.msgId === big));
    expect(ack.payload.length).toBe(0);
    expect(t.broker.sessions().find((s) => s.id === 'a')!.counters.errorsByKind).toEqual({ too_large_for_target: 1 });
  });

  it("refuses the app's send to it: sendFromServer returns PAYLOAD_TOO_LARGE, not success", async () => {
    const small = await start(['small']);
    expect(t.broker.sendFromServer('small', sized('server', 2048))).toEqual({ ok: false, status: Status.PAYLOAD_TOO_LARGE, reason: 'payload_too_large' });
    const sent = t.broker.sendFromServer('small', sized('server', 900));
    expect(sent.ok).toBe(true);
    const [msg] = await small.waitMessages(1);
    expect(msg!.raw.length).toBe(900);
  });

  it('skips it in a broadcast too large for it (counted on the sender) and delivers to the others', async () => {
    const small = await start(['a', 'b', 'small']);
    const a = await t.v2('a');
    const b = await t.v2('b');
    expect(await a.broadcast(sized('a', 2048))).toBe(Status.SUCCESS);
    expect(await a.broadcast(sized('a', 900))).toBe(Status.SUCCESS);
    await b.waitMessages(2);
    await small.waitMessages(1);
    expect(small.messages.map((m) => m.raw.length)).toEqual([900]);
    expect(t.broker.sessions().find((s) => s.id === 'a')!.counters.errorsByKind).toEqual({ too_large_for_target: 1 });
    // The app's broadcast: the recipients it reached.
    expect(t.broker.broadcastFromServer(sized('server', 2048))).toBe(2);
  });

  it('keeps the broker limit for a device that does not announce one (legacy, or v2 without the key)', async () => {
    t = await startTestBroker(['a', 'old', 'plain']);
    const old = await t.legacy('old');
    const plain = await t.v2('plain');
    const a = await t.v2('a');
    await onWire('a', 'old', 'plain');
    expect(await a.send('old', sized('a', 2048))).toBe(Status.SUCCESS);
    expect(await a.send('plain', sized('a', 2048))).toBe(Status.SUCCESS);
    expect((await old.waitMessages(1))[0]!.raw.length).toBe(2048);
    expect((await plain.waitMessages(1))[0]!.raw.length).toBe(2048);
  });

  it('takes a limit above the broker one as the broker one, and refuses a bad one as MALFORMED', async () => {
    t = await startTestBroker(['big', 'bad']);
    const big = await V2Client.connect(t.port);
    expect(await big.login(testToken('big'), {}, { maxPayload: 65535 })).toBe(Status.SUCCESS);
    expect(session('big')!.receiveLimit).toBe(16384);
    for (const bad of [63, '1024']) { // more in shared/protocol/envelope.test.ts (each failure here slows the next login)
      const c = await V2Client.connect(t.port);
      expect(await c.login(testToken('bad'), {}, { maxPayload: bad })).toBe(Status.MALFORMED);
      c.destroy();
    }
  });
});
