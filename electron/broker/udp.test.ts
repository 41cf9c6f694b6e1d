import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { UdpClient, UdpTransport, bindUdp, tokenHash } from '../udp';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import type { ServerMessageEvent } from './types';

let t: TestBroker;
let udp: UdpTransport | null = null;
afterEach(async () => {
  await t?.close();
  udp?.close();
});

interface UdpReply {
  udp?: { port: number; sid: number; nonce: string };
}

/** The device end of a granted UDP session; received messages go to `got` as text. */
async function udpClient(grant: NonNullable<UdpReply['udp']>, id: string, got: string[]): Promise<UdpClient> {
  return new UdpClient({
    socket: await bindUdp(0),
    host: '127.0.0.1',
    port: grant.port,
    sessionId: grant.sid,
    serverNonce: grant.nonce,
    tokenHash: tokenHash(testToken(id)),
    onMessage: (data) => got.push(Buffer.from(data).toString()),
  });
}

describe('UDP sessions opened from a v2 TCP login', () => {
  it('grants UDP at login, routes both ways over it, and closes it with the TCP session', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['lamp', 'switch', 'tcp-only'], { udp });
    const closes = collectCloses(t.broker);
    const server: ServerMessageEvent[] = [];
    t.broker.on('server:message', (ev) => server.push(ev));

    const lamp = await t.v2('lamp');
    expect((lamp.reply as UdpReply).udp).toBeUndefined(); // did not ask
    const sw = (await import('./testing/v2-client')).V2Client;
    const device = await sw.connect(t.port);
    expect(await device.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    const grant = (device.reply as UdpReply).udp!;
    expect(grant.port).toBe(udp.port);
    expect(grant.nonce).toMatch(/^[0-9a-f]{32}$/);

    const got: string[] = [];
    const client = await udpClient(grant, 'switch', got);
    const traced: string[] = [];
    t.broker.on('frame', (ev) => ev.dir === 'in' && traced.push(`${ev.from}>${ev.to}`));
    // Device -> server and device -> device over UDP, through the same router.
    client.send('server', '{"telemetry":{"t":21.5}}');
    client.send('lamp', '{"cmd":"toggle"}');
    await eventually(() => server.length === 1 && lamp.messages.length === 1, 3_000, 'udp envelopes routed');
    expect(Buffer.from(server[0]!.payload).toString()).toBe('{"telemetry":{"t":21.5}}');
    expect(lamp.messages[0]!.raw).toBe('{"from":"switch","payload":{"cmd":"toggle"}}');
    expect(t.broker.session('switch')!.counters.msgsIn).toBe(2);
    // the 'in' events name the targets the envelopes gave, as on TCP
    expect(traced).toEqual(['switch>server', 'switch>lamp']);

    // Server and TCP devices -> the UDP device: delivered over UDP, not over its TCP socket.
    // Over UDP there is no TCP frame, so no msg id (0, which the broker never uses on TCP).
    expect(t.broker.sendFromServer('switch', '{"cmd":"set","value":true}')).toEqual({ ok: true, msgId: 0 });
    expect(await lamp.send('switch', '{"state":1}')).toBe(Status.SUCCESS);
    await eventually(() => got.length === 2, 3_000, 'udp deliveries');
    expect(got).toEqual(['{"from":"server","payload":{"cmd":"set","value":true}}', '{"from":"lamp","payload":{"state":1}}']);
    expect(device.messages).toEqual([]);

    // The TCP session ends: so does the UDP one; deliveries fall back to TCP for the next login.
    device.destroy();
    await eventually(() => closes.some((c) => c[0] === 'switch'), 2_000, 'switch closed');
    expect(udp.isOpen('switch')).toBe(false);
    expect(udp.sessions()).toEqual([]);
  });

  it('broadcasts go over UDP to devices with an open UDP session, over TCP to the others', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['lamp', 'switch', 'sender'], { udp });
    const { V2Client } = await import('./testing/v2-client');
    const lamp = await t.v2('lamp');
    const legacy = await t.legacy('sender');
    const device = await V2Client.connect(t.port);
    expect(await device.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    const grant = (device.reply as UdpReply).udp!;
    const got: string[] = [];
    const client = await udpClient(grant, 'switch', got);
    // The UDP session is open as soon as the client's HELLO arrives.
    await eventually(() => udp!.isOpen('switch'), 3_000, 'udp session open');

    expect(t.broker.broadcastFromServer('{"all":1}')).toBe(3);
    expect(await lamp.broadcast('{"from-lamp":2}')).toBe(Status.SUCCESS);
    await eventually(() => got.length === 2 && legacy.messages.length === 2 && lamp.messages.length === 1, 3_000, 'broadcasts');
    expect(got).toEqual(['{"from":"server","payload":{"all":1}}', '{"from":"lamp","payload":{"from-lamp":2}}']);
    expect(device.messages).toEqual([]); // nothing over the UDP device's TCP socket
    expect(legacy.messages.map((m) => [m.cmd, m.raw])).toEqual([
      [50, '{"from":"server","payload":{"all":1}}'],
      [50, '{"from":"lamp","payload":{"from-lamp":2}}'],
    ]);
    expect(lamp.messages.map((m) => m.raw)).toEqual(['{"from":"server","payload":{"all":1}}']);
    expect(t.broker.session('switch')!.counters.msgsOut).toBe(2);

    // A broadcast too large for one datagram falls back to TCP for that device.
    const big = JSON.stringify({ pad: 'x'.repeat(2_000) });
    expect(t.broker.broadcastFromServer(big)).toBe(3);
    await device.waitMessages(1);
    expect(device.messages[0]!.raw).toBe(`{"from":"server","payload":${big}}`);
    client.close();
    device.destroy();
  });

  it('deliveries still queued when the UDP session closes go by TCP, once each, in order; sent ones are not sent again', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['switch'], { udp });
    const { V2Client } = await import('./testing/v2-client');
    const device = await V2Client.connect(t.port);
    expect(await device.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    const got: string[] = [];
    const client = await udpClient((device.reply as UdpReply).udp!, 'switch', got);
    await eventually(() => udp!.isOpen('switch'), 3_000, 'udp session open');
    const pending = () => udp!.sessions().find((s) => s.deviceId === 'switch')?.pendingBytes;
    expect(t.broker.sendFromServer('switch', '{"n":0}')).toEqual({ ok: true, msgId: 0 });
    // its ACK back too, or it would count among the unfinished below (any packet from the device was
    // not enough under ASan's pace: it could be an earlier one's ACK)
    await eventually(() => got.length === 1 && pending() === 0, 3_000, 'first delivery over UDP, acknowledged');

    // 40 more, and the UDP session dies before the device could acknowledge any (a dead peer)
    for (let n = 1; n <= 40; n++) t.broker.sendFromServer('switch', `{"n":${n}}`);
    udp.closeSession('switch', 'dead_peer');
    const unfinished = udp.drops.unfinishedAtClose;
    expect(unfinished).toBe(40);
    const overTcp = () => device.messages.map((m) => (JSON.parse(m.raw) as { payload: { n: number } }).payload.n);
    await eventually(() => device.messages.length > 0, 3_000, 'fallback over TCP');
    await new Promise((r) => setTimeout(r, 200));
    const tcp = overTcp();
    const udpAfter = got.slice(1).map((m) => (JSON.parse(m) as { payload: { n: number } }).payload.n);
    // those that never left come over TCP, in order; the ones sent over UDP are not repeated
    expect(tcp).toEqual(Array.from({ length: tcp.length }, (_, i) => 41 - tcp.length + i));
    expect(tcp.filter((n) => udpAfter.includes(n))).toEqual([]);
    expect(tcp.length).toBeGreaterThan(0);
    expect(device.messages.every((m) => m.cmd === 30 && m.msgId > 0)).toBe(true);
    // later deliveries take TCP directly
    t.broker.sendFromServer('switch', '{"n":41}');
    await eventually(() => overTcp().at(-1) === 41, 3_000, 'next delivery over TCP');
    client.close();
    device.destroy();
  });

  it('a replacing login keeps the UDP session it opened; revoke closes it', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['switch'], { udp });
    const { V2Client } = await import('./testing/v2-client');
    const first = await V2Client.connect(t.port);
    expect(await first.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    const second = await V2Client.connect(t.port);
    expect(await second.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    await first.waitClosed();
    const sid = (second.reply as UdpReply).udp!.sid;
    expect(udp.sessions().map((s) => s.sessionId)).toEqual([sid]);
    expect(t.broker.revoke('switch')).toBe(true);
    expect(udp.sessions()).toEqual([]);
    second.destroy();
  });

  it('an exception while routing a UDP envelope closes that device\'s session only', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    const policy = {
      allows(from: string): boolean {
        if (from === 'switch') throw new Error('policy store unavailable');
        return true;
      },
    };
    t = await startTestBroker(['switch', 'lamp'], { udp, policy });
    const closes = collectCloses(t.broker);
    const { V2Client } = await import('./testing/v2-client');
    const lamp = await t.v2('lamp');
    const device = await V2Client.connect(t.port);
    expect(await device.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    const client = await udpClient((device.reply as UdpReply).udp!, 'switch', []);
    client.send('lamp', '{"cmd":"toggle"}');
    await device.waitClosed(3_000);
    expect(closes).toEqual([['switch', 'server_error', 'policy store unavailable']]);
    expect(udp.sessions()).toEqual([]);
    expect(await lamp.send('server', '{"still":"here"}')).toBe(Status.SUCCESS);
    client.close();
  });

  it('a replacing login without UDP closes the replaced session\'s UDP session (it ends with its TCP session)', async () => {
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['switch', 'lamp'], { udp });
    const closes = collectCloses(t.broker);
    const { V2Client } = await import('./testing/v2-client');
    const first = await V2Client.connect(t.port);
    expect(await first.login(testToken('switch'), {}, { udp: true })).toBe(Status.SUCCESS);
    expect(udp.sessions()).toHaveLength(1);
    // The same device logs in again over TCP only (a v2 login without "udp", or the seed firmware).
    const second = await t.legacy('switch');
    await first.waitClosed();
    expect(closes).toEqual([['switch', 'replaced']]);
    expect(udp.isOpen('switch')).toBe(false);
    expect(udp.sessions()).toEqual([]);
    // Deliveries to the device go over its new TCP session.
    const lamp = await t.v2('lamp');
    expect(await lamp.send('switch', '{"cmd":"toggle"}')).toBe(Status.SUCCESS);
    await second.waitMessages(1);
    expect(second.messages[0]!.raw).toBe('{"from":"lamp","payload":{"cmd":"toggle"}}');
  });
});
