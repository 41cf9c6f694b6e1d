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

describe('a UDP session closed on real sockets', () => {
  /** A transport and a device with an open session between them, both on bindUdp sockets. */
  async function openPair() {
    const transport = new UdpTransport({ socket: await bindUdp(0) });
    cleanups.push(() => transport.close());
    const hash = tokenHash('real-socket-token-xxxxxxxxxxxx');
    const grant = transport.openSession('sensor-1', hash)!;
    const deviceCloses: string[] = [];
    const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: grant.port, sessionId: grant.sessionId, serverNonce: grant.nonce, tokenHash: hash, onClose: (r) => deviceCloses.push(r) });
    cleanups.push(() => client.close());
    const brokerCloses: string[] = [];
    transport.on('session:close', (e: { reason: string }) => brokerCloses.push(e.reason));
    await until(() => transport.isOpen('sensor-1'), 3_000);
    return { transport, client, deviceCloses, brokerCloses };
  }

  // The dead-peer timeout is 10 s by default: a CLOSE that never left would be noticed only then.
  it("the device's close reaches the broker at once: its CLOSE leaves before the socket closes", async () => {
    const { transport, client, brokerCloses } = await openPair();
    const started = performance.now();
    client.close();
    await until(() => brokerCloses.length > 0, 1_000);
    expect(brokerCloses).toEqual(['closed_by_peer']);
    expect(performance.now() - started).toBeLessThan(500);
    expect(transport.isOpen('sensor-1')).toBe(false);
  });

  it("the broker's shutdown reaches the device at once, the same way", async () => {
    const { transport, deviceCloses } = await openPair();
    transport.close();
    await until(() => deviceCloses.length > 0, 1_000);
    expect(deviceCloses).toEqual(['closed_by_peer']);
  });
});

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
