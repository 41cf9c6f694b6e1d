import { once } from 'node:events';
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

/**
 * The device: a thread of its own that sends the datagrams (hex) it is handed to 127.0.0.1:port at
 * once, and counts in shared memory those the kernel has taken (by then they sit in the broker's
 * socket buffer). Nothing depends on its timing: the test hands it datagrams and waits for them.
 */
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const sent = new Int32Array(workerData.sent);
const s = dgram.createSocket('udp4');
parentPort.on('message', (datagrams) => {
  for (const d of datagrams) s.send(Buffer.from(d, 'hex'), workerData.port, '127.0.0.1', () => Atomics.add(sent, 0, 1));
});
s.bind(0, '127.0.0.1', () => parentPort.postMessage('ready'));
`;

/**
 * Resolves once the thread is up and its socket bound: under load a thread can take longer to start
 * than a pending session waits for its HELLO (the dead-peer limit), so it starts before the session.
 */
async function deviceThread(port: number) {
  const sent = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(SENDER, { eval: true, workerData: { port, sent: sent.buffer } });
  cleanups.push(() => void worker.terminate());
  await once(worker, 'message');
  let handed = 0;
  return {
    send(datagrams: Uint8Array[]): void {
      handed += datagrams.length;
      worker.postMessage(datagrams.map((d) => Buffer.from(d).toString('hex')));
    },
    /** Every datagram handed over is in the broker's socket buffer (or was read from it). */
    allSent: () => Atomics.load(sent, 0) >= handed,
  };
}

/**
 * Blocks the event loop for `ms` from the check phase (its next stop is the timers phase, before it
 * polls the socket), having handed the device `datagrams` once blocked, and goes on until they are
 * all in the socket buffer (5 s at most): they queue there, whenever a starved thread sends them.
 */
const busy = (ms: number, device: Awaited<ReturnType<typeof deviceThread>>, datagrams: Uint8Array[]) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      const start = performance.now();
      device.send(datagrams);
      while (performance.now() - start < ms || (!device.allSent() && performance.now() - start < 5_000));
      resolve();
    }),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `ready` (polling), `ms` at most. */
async function waitFor(ready: () => boolean, ms: number): Promise<void> {
  for (const end = performance.now() + ms; !ready() && performance.now() < end; ) await sleep(5);
}

describe('UDP pending session on a busy event loop', () => {
  it('a HELLO that came while the loop was blocked past the HELLO deadline opens the session', async () => {
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: () => {}, config: { heartbeatMs: 100, deadAfterHeartbeats: 3 } });
    cleanups.push(() => transport.close());
    const device = await deviceThread(transport.port);
    const closes: string[] = [];
    transport.on('session:close', (e: { reason: string }) => closes.push(e.reason));
    const hash = tokenHash('busy-loop-token-zzzzzzzzzzzzzzz');
    const grant = transport.openSession('dev-hello', hash)!;
    const dev = new ForgedDevice(grant.sessionId, grant.nonce, hash);
    // Blocked right after the session was opened, for twice its HELLO deadline (300 ms), while the device says HELLO.
    await busy(600, device, [dev.datagram(Uint8Array.of(2))]);
    expect(device.allSent()).toBe(true);
    await waitFor(() => transport.isOpen('dev-hello') || closes.length > 0, 5_000);
    expect(closes).toEqual([]);
    expect(transport.isOpen('dev-hello')).toBe(true);
  });
});

describe('UDP dead-peer check on a busy event loop', () => {
  it('a device that talked while the loop was blocked stays open; one that stops is declared dead', async () => {
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: () => {}, config: { heartbeatMs: 100, deadAfterHeartbeats: 3 } });
    cleanups.push(() => transport.close());
    const device = await deviceThread(transport.port);
    const closes: string[] = [];
    transport.on('session:close', (e: { reason: string }) => closes.push(e.reason));
    const hash = tokenHash('busy-loop-token-xxxxxxxxxxxxxxx');
    const grant = transport.openSession('dev-busy', hash)!;
    const dev = new ForgedDevice(grant.sessionId, grant.nonce, hash);
    device.send([dev.datagram(Uint8Array.of(2))]); // HELLO
    await waitFor(() => transport.isOpen('dev-busy'), 5_000);
    expect(transport.isOpen('dev-busy')).toBe(true);
    // Blocked for twice the dead-peer limit (300 ms) while the device sends 30 PINGs.
    await busy(600, device, Array.from({ length: 30 }, () => dev.datagram(Uint8Array.of(2), { hello: false })));
    expect(device.allSent()).toBe(true);
    await sleep(150);
    expect(closes).toEqual([]);
    expect(transport.isOpen('dev-busy')).toBe(true);
    // The device says nothing more: now it is dead within about 400 ms.
    await waitFor(() => closes.length > 0, 5_000);
    expect(closes).toEqual(['dead_peer']);
  });

  it('a reliable message whose last fragment came while the loop was blocked completes instead of expiring', async () => {
    const received: string[] = [];
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => received.push(new TextDecoder().decode(e.payload)), config: { heartbeatMs: 100, reassembly: { ...DEFAULT_UDP_CONFIG.reassembly, timeoutMs: 200 } } });
    cleanups.push(() => transport.close());
    const device = await deviceThread(transport.port);
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
    device.send([dev.datagram(Uint8Array.of(2)), dev.datagram(fragment(0, envelope.subarray(0, half)), { hello: false })]);
    await waitFor(() => transport.budget.partials === 1, 5_000);
    expect(transport.budget.partials).toBe(1);
    // The last fragment comes while the loop is blocked for three times the reassembly timeout.
    await busy(600, device, [dev.datagram(fragment(1, envelope.subarray(half)), { hello: false })]);
    expect(device.allSent()).toBe(true);
    await sleep(150);
    expect(closes).toEqual([]);
    expect(received).toEqual([`{"pad":"${'p'.repeat(80)}"}`]);
  });
});
