import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Channel, writeMsg } from '../../shared/protocol/udp/frames';
import { DEFAULT_UDP_CONFIG } from './config';
import { tokenHash } from './crypto';
import { ForgedDevice } from './forge';
import { bindUdp } from './net';
import { UdpTransport } from './transport';

/**
 * The broker's event loop may be busy (a long synchronous task, a blocking dialog in the main
 * process) while a device keeps talking: its datagrams queue in the socket buffer. A device that
 * did talk must not be declared dead because the loop ran its timers before reading them.
 */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** Sends the datagrams (hex) to 127.0.0.1:port from its own thread, each at its time (ms from start), then stops. */
const SENDER = `
const { workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
const start = Date.now();
let i = 0;
const t = setInterval(() => {
  while (i < workerData.datagrams.length && Date.now() - start >= workerData.at[i]) s.send(Buffer.from(workerData.datagrams[i++], 'hex'), workerData.port, '127.0.0.1');
  if (i === workerData.datagrams.length) { clearInterval(t); setTimeout(() => s.close(), 50); }
}, 5);
`;

function sendFromWorker(port: number, datagrams: Uint8Array[], at: number[]): void {
  const worker = new Worker(SENDER, { eval: true, workerData: { port, at, datagrams: datagrams.map((d) => Buffer.from(d).toString('hex')) } });
  cleanups.push(() => void worker.terminate());
}

const busy = (ms: number) => new Promise<void>((resolve) => setImmediate(() => {
  // Run from the check phase: the loop's next stop is the timers phase, before it polls the socket.
  const end = performance.now() + ms;
  while (performance.now() < end);
  resolve();
}));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('UDP dead-peer check on a busy event loop', () => {
  it('a device that talked while the loop was blocked stays open; one that stops is declared dead', async () => {
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: () => {}, config: { heartbeatMs: 100, deadAfterHeartbeats: 3 } });
    cleanups.push(() => transport.close());
    const closes: string[] = [];
    transport.on('session:close', (e: { reason: string }) => closes.push(e.reason));
    const hash = tokenHash('busy-loop-token-xxxxxxxxxxxxxxx');
    const grant = transport.openSession('dev-busy', hash)!;
    const dev = new ForgedDevice(grant.sessionId, grant.nonce, hash);
    // A HELLO, then a PING every 20 ms for 1.2 s: the peer is alive the whole time.
    const datagrams = [dev.datagram(Uint8Array.of(2))];
    for (let i = 0; i < 60; i++) datagrams.push(dev.datagram(Uint8Array.of(2), { hello: false }));
    sendFromWorker(transport.port, datagrams, datagrams.map((_, i) => i * 20));
    for (let i = 0; i < 100 && !transport.isOpen('dev-busy'); i++) await sleep(10);
    expect(transport.isOpen('dev-busy')).toBe(true);
    await sleep(100);
    // Blocked for twice the dead-peer limit (300 ms) while the device sends 30 datagrams.
    await busy(600);
    await sleep(150);
    expect(closes).toEqual([]);
    expect(transport.isOpen('dev-busy')).toBe(true);
    // The device stops (its last datagram about 1.2 s after the first): now it is dead within about 400 ms.
    for (let i = 0; i < 300 && closes.length === 0; i++) await sleep(10);
    expect(closes).toEqual(['dead_peer']);
  });

  it('a reliable message whose last fragment came while the loop was blocked completes instead of expiring', async () => {
    const received: string[] = [];
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => received.push(new TextDecoder().decode(e.payload)), config: { heartbeatMs: 100, reassembly: { ...DEFAULT_UDP_CONFIG.reassembly, timeoutMs: 200 } } });
    cleanups.push(() => transport.close());
    const closes: string[] = [];
    transport.on('session:close', (e: { reason: string }) => closes.push(e.reason));
    const hash = tokenHash('busy-loop-token-yyyyyyyyyyyyyyy');
    const grant = transport.openSession('dev-frag', hash)!;
    const dev = new ForgedDevice(grant.sessionId, grant.nonce, hash);
    const envelope = new TextEncoder().encode(`{"targetId":"server","payload":{"pad":"${'p'.repeat(80)}"}}`);
    const half = envelope.length >> 1;
    const fragment = (index: number, data: Uint8Array) => {
      const p = new Uint8Array(16 + data.length);
      return p.subarray(0, writeMsg(p, 0, { channel: Channel.RELIABLE_ORDERED, seq: 0, deflate: false, fragment: { index, count: 2, total: envelope.length }, data }));
    };
    const hello = dev.datagram(Uint8Array.of(2));
    const first = dev.datagram(fragment(0, envelope.subarray(0, half)), { hello: false });
    const last = dev.datagram(fragment(1, envelope.subarray(half)), { hello: false });
    // The last fragment 450 ms after the first: it arrives while the loop is blocked.
    sendFromWorker(transport.port, [hello, first, last], [0, 50, 500]);
    for (let i = 0; i < 100 && transport.budget.partials === 0; i++) await sleep(5);
    expect(transport.budget.partials).toBe(1);
    await busy(600);
    await sleep(150);
    expect(closes).toEqual([]);
    expect(received).toEqual([`{"pad":"${'p'.repeat(80)}"}`]);
  });
});
