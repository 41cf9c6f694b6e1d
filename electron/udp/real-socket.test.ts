import { afterEach, describe, expect, it } from 'vitest';
import { UdpClient } from './client';
import { tokenHash } from './crypto';
import { bindUdp, lossyProxy } from './net';
import { type UdpEnvelope, UdpTransport } from './transport';

/** The same stack on real sockets on 127.0.0.1, through a userspace proxy that drops 10%. */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

describe('UDP transport on real sockets', () => {
  it('delivers every reliable message exactly once through a 10% lossy proxy', async () => {
    const received: UdpEnvelope[] = [];
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => received.push(e) });
    cleanups.push(() => transport.close());
    const proxy = await lossyProxy(transport.port, 0.1, 42);
    cleanups.push(() => proxy.close());
    const hash = tokenHash('real-socket-token-xxxxxxxxxxxx');
    const grant = transport.openSession('sensor-1', hash)!;
    const down: string[] = [];
    const client = new UdpClient({
      socket: await bindUdp(0),
      host: '127.0.0.1',
      port: proxy.local().port,
      sessionId: grant.sessionId,
      serverNonce: grant.nonce,
      tokenHash: hash,
      onMessage: (d) => down.push(new TextDecoder().decode(d)),
    });
    cleanups.push(() => client.close());
    let acked = 0;
    for (let i = 0; i < 300; i++) client.send('server', `{"i":${i}}`, 'ordered', (e) => !e && acked++);
    const deadline = Date.now() + 10_000;
    while ((received.length < 300 || acked < 300) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((e) => JSON.parse(new TextDecoder().decode(e.payload)).i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(acked).toBe(300);
    expect(transport.deliver('sensor-1', 'server', new TextEncoder().encode('{"cmd":"set"}'))).toBe(true);
    while (down.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(down).toEqual(['{"from":"server","payload":{"cmd":"set"}}']);
    // The broker's address for the session is the proxy's (what it saw), and it was authenticated.
    expect(transport.sessions()[0]!.address).toBe(`127.0.0.1:${proxy.local().port}`);
  });
});
