import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeader, HELLO_HEADER_BYTES, TAG_BYTES } from '../../shared/protocol/udp/wire';
import { tokenHash } from './crypto';
import { ForgedDevice } from './forge';
import { bindUdp } from './net';
import { UdpTransport } from './transport';

/** Junk from several loopback addresses (Linux routes all of 127/8 to lo) at a real UDP endpoint. */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function sender(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve());
  });
  cleanups.push(() => s.close());
  return s;
}

async function until(what: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** A well-formed header naming a session id, then junk where the sealed part should be. */
function forSession(sid: number, hello: boolean): Uint8Array {
  const d = new Uint8Array(HELLO_HEADER_BYTES + 1 + TAG_BYTES);
  encodeHeader(d, { keyPhase: 0, sessionId: sid, packetNumber: 1, deviceNonce: hello ? new Uint8Array(16).fill(9) : null });
  return d;
}

const sum = (o: object) => Object.values(o).reduce((a: number, b: number) => a + b, 0);

// macOS and others give loopback 127.0.0.1 alone: the per-address part needs Linux
const linux = process.platform === 'linux';
if (!linux) console.log('endpoint-drops.test: skipped, binding 127.0.0.2+ needs Linux loopback');

describe.skipIf(!linux)('UDP endpoint drops on real sockets: by reason and by source address', () => {
  it('counts junk from two sources per reason and per address, and tracks a bounded number of addresses', async () => {
    const transport = new UdpTransport({ socket: await bindUdp(0, '127.0.0.1'), dropSources: 8 });
    cleanups.push(() => transport.close());
    const pending = transport.openSession('lamp', tokenHash('the-real-token-xxxxxxxxxxxxxxx'))!;
    const port = transport.port;
    const a = await sender('127.0.0.2');
    const b = await sender('127.0.0.3');
    const send = (s: Socket, d: Uint8Array) => s.send(d, port, '127.0.0.1');

    // A: 12 datagrams too short for a header, then 8 naming no session
    for (let i = 0; i < 12; i++) send(a, new Uint8Array([0xde, 0xad, i]));
    await until(() => transport.drops.header === 12);
    for (let i = 0; i < 8; i++) send(a, forSession(pending.sessionId ^ 0x5a5a5a5a, false));
    // B: 10 HELLOs sealed with a wrong token (the pending session's keys do not open them), then 5 without HELLO
    const wrong = new ForgedDevice(pending.sessionId, pending.nonce, tokenHash('a-wrong-token-xxxxxxxxxxxxxxxx'));
    for (let i = 0; i < 10; i++) send(b, wrong.datagram(new Uint8Array([0])));
    await until(() => transport.drops.authFailed === 10);
    for (let i = 0; i < 5; i++) send(b, forSession(pending.sessionId, false));
    await until(() => sum(transport.drops) === 35);

    expect(transport.drops).toMatchObject({ header: 12, unknownSession: 8, authFailed: 10, helloRejected: 5, helloThrottled: 0, replayed: 0 });
    const report = transport.dropReport(10);
    expect(report.sources).toEqual([
      { address: '127.0.0.2', count: 20, lastReason: 'unknownSession', agoMs: expect.any(Number) },
      { address: '127.0.0.3', count: 15, lastReason: 'helloRejected', agoMs: expect.any(Number) },
    ]);
    expect(report).toMatchObject({ tracked: 2, capacity: 8, evicted: 0 });
    expect(transport.isOpen('lamp')).toBe(false); // junk opened nothing

    // 30 more addresses spray one datagram each: the table stays at 8, A and B (over 1/8 of the drops) stay in it
    const spray = await Promise.all(Array.from({ length: 30 }, (_, i) => sender(`127.0.1.${i + 1}`)));
    for (const s of spray) send(s, new Uint8Array([1]));
    await until(() => transport.drops.header === 42);
    const after = transport.dropReport(100);
    expect(transport.drops.header).toBe(42);
    expect(after).toMatchObject({ tracked: 8, capacity: 8, evicted: 32 - 8 });
    expect(after.sources).toHaveLength(8);
    expect(after.sources.slice(0, 2).map((s) => [s.address, s.count])).toEqual([
      ['127.0.0.2', 20],
      ['127.0.0.3', 15],
    ]);
    expect(after.sources.slice(2).every((s) => s.count === 1 && s.lastReason === 'header' && s.address.startsWith('127.0.1.'))).toBe(true);
  });
});
