import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
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

/** Sends the datagrams (hex) to 127.0.0.1:port from its own thread, one every `everyMs`, then stops. */
const SENDER = `
const { workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
let i = 0;
const t = setInterval(() => {
  if (i === workerData.datagrams.length) { clearInterval(t); s.close(); return; }
  s.send(Buffer.from(workerData.datagrams[i++], 'hex'), workerData.port, '127.0.0.1');
}, workerData.everyMs);
`;

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
    const worker = new Worker(SENDER, { eval: true, workerData: { port: transport.port, everyMs: 20, datagrams: datagrams.map((d) => Buffer.from(d).toString('hex')) } });
    cleanups.push(() => void worker.terminate());
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
});
