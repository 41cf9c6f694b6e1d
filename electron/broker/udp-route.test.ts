import { afterEach, describe, expect, it, vi } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { UdpClient, UdpTransport, bindUdp, tokenHash, type UdpConfig } from '../udp';
import type { DatagramSocket } from '../udp/net';
import { native } from './native/testing';
import { findNativeWire } from './native/wire';
import { Session } from './session';
import { eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { V2Client } from './testing/v2-client';

/**
 * A device granted UDP at login is kept off the native wire (deliveries to it may go over UDP);
 * when its UDP session ends on the transport side while its TCP session stays, it goes back on
 * the wire, and a later login that opens UDP takes it off again. Real sockets on 127.0.0.1.
 */
let t: TestBroker | null = null;
let udp: UdpTransport | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = null;
  udp?.close();
  udp = null;
});

/** Messages the wire's fast path took (its counter deltas), as opposed to JS. */
function fastMessages(): () => number {
  const spy = vi.spyOn(Session.prototype, 'addNativeCounters');
  return () => spy.mock.calls.reduce((n, [delta]) => n + delta.msgsIn, 0);
}

const session = (id: string): Session | undefined => (t!.broker as unknown as { core: { sessionById(id: string): Session | undefined } }).core.sessionById(id);
const routed = (id: string): boolean => session(id)?.routed ?? false;

/** A broker on the native wire with a UDP transport, `b` logged in plain, `u` logged in asking for UDP. */
async function start(config?: Partial<UdpConfig>): Promise<{ u: V2Client; b: V2Client; grant: { port: number; sid: number; nonce: string } }> {
  udp = new UdpTransport({ socket: await bindUdp(0), config });
  t = await startTestBroker(['u', 'b'], { keepalive: { rttProbeMs: 0 }, udp, nativeWire: findNativeWire() });
  const u = await V2Client.connect(t.port);
  expect(await u.login(testToken('u'), {}, { udp: true })).toBe(Status.SUCCESS);
  const b = await t.v2('b');
  await eventually(() => routed('b'), 2_000, 'b routed');
  expect(routed('u')).toBe(false);
  return { u, b, grant: (u.reply as { udp?: { port: number; sid: number; nonce: string } }).udp! };
}

/** The device end of u's UDP session; `mute` stops what it sends (a device gone silent). */
async function udpDevice(grant: { port: number; sid: number; nonce: string }): Promise<{ client: UdpClient; mute(): void }> {
  const socket = await bindUdp(0);
  let muted = false;
  const link: DatagramSocket = {
    ...socket,
    send: (data, port, address) => void (muted || socket.send(data, port, address)),
  };
  const client = new UdpClient({ socket: link, host: '127.0.0.1', port: grant.port, sessionId: grant.sid, serverNonce: grant.nonce, tokenHash: tokenHash(testToken('u')) });
  await eventually(() => udp!.isOpen('u'), 3_000, 'udp session open');
  return { client, mute: () => (muted = true) };
}

/** u's messages to b and b's to u both go natively now. */
async function bothWaysNative(u: V2Client, b: V2Client, fast: () => number): Promise<void> {
  await eventually(() => routed('u'), 2_000, 'u routed again');
  expect(session('u')!.info().udp).toBe(false);
  const before = fast();
  expect(await u.send('b', '{"over":"wire"}')).toBe(Status.SUCCESS);
  expect(await b.send('u', '{"back":"wire"}')).toBe(Status.SUCCESS);
  await b.waitMessages(1);
  await u.waitMessages(1);
  expect(b.messages.at(-1)!.raw).toBe('{"from":"u","payload":{"over":"wire"}}');
  expect(u.messages.at(-1)!.raw).toBe('{"from":"b","payload":{"back":"wire"}}');
  await eventually(() => fast() === before + 2, 2_000, 'fast-path counters');
}

describe.skipIf(native.skip !== null)('a device whose UDP session ends goes back on the native wire', () => {
  it('when the device closes its UDP session; a later login that opens UDP takes it off again', async () => {
    const fast = fastMessages();
    const { u, b, grant } = await start();
    const { client } = await udpDevice(grant);
    client.close();
    await bothWaysNative(u, b, fast);

    // The same device logs in again asking for UDP: the new session stays off the wire, its messages go through JS.
    const again = await V2Client.connect(t!.port);
    expect(await again.login(testToken('u'), {}, { udp: true })).toBe(Status.SUCCESS);
    await u.waitClosed();
    await new Promise((r) => setTimeout(r, 20));
    expect(routed('u')).toBe(false);
    expect(session('u')!.udp).toBe(true);
    const before = fast();
    expect(await again.send('b', '{"over":"js"}')).toBe(Status.SUCCESS);
    await b.waitMessages(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(fast()).toBe(before);
    again.destroy();
  });

  it('when its UDP peer is declared dead after missed heartbeats', async () => {
    const fast = fastMessages();
    const { u, b, grant } = await start({ heartbeatMs: 40, deadAfterHeartbeats: 3 });
    const { client, mute } = await udpDevice(grant);
    mute();
    await bothWaysNative(u, b, fast);
    client.close();
  });

  it('when its UDP session stays pending (no HELLO) past the dead-peer timeout', async () => {
    const fast = fastMessages();
    const { u, b } = await start({ heartbeatMs: 40, deadAfterHeartbeats: 3 });
    expect(udp!.sessions().map((s) => s.state)).toEqual(['pending']);
    await bothWaysNative(u, b, fast);
    expect(udp!.sessions()).toEqual([]);
  });

  it('when the UDP transport shuts down with the session still pending (no HELLO yet)', async () => {
    const fast = fastMessages();
    const { u, b } = await start();
    udp!.close();
    await bothWaysNative(u, b, fast);
  });
});
