import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BaseClient } from '../testing/base-client';
import { eventually, startTestBroker, type TestBroker } from '../testing/fixtures';

/**
 * Pause and shutdown end connections the way the JS path's sockets do: what was written before
 * reaches the peer, then EOF, and a connection lingers at most closeLingerMs. Runs on the broker's
 * default data path (native when the addon loads; HYPERTCP_NATIVE_WIRE=off: the JS path).
 */
const LINGER_MS = 600;
let t: TestBroker | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const stop = (how: 'pause' | 'close'): Promise<void> => (how === 'pause' ? t!.broker.pause() : t!.broker.close());

/** A peer that never closes its side (allowHalfOpen): only the broker's linger ends it. */
function halfOpenPeer(port: number): Promise<{ socket: Socket; ended: () => boolean; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let closed = false;
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve({ socket, ended: () => ended, closed: () => closed }));
    socket.once('error', reject);
    socket.on('error', () => undefined);
    socket.on('end', () => (ended = true));
    socket.on('close', () => (closed = true));
    socket.resume();
  });
}

describe(`pause and close end connections gracefully (${process.env.HYPERTCP_NATIVE_WIRE === 'off' ? 'JS' : 'default'} data path)`, () => {
  for (const how of ['pause', 'close'] as const) {
    it(`${how}: a device that was not reading still gets every frame queued for it, then EOF`, async () => {
      // 1 MB: more than the kernel's socket buffers take, so part of it waits in the broker at the close.
      const count = 1_000;
      t = await startTestBroker(['b'], { closeLingerMs: 2_000, limits: { maxQueueBytes: 8 * 1024 * 1024, maxQueueMessages: count } });
      const b = await t.v2('b');
      b.pause();
      const blob = 'x'.repeat(1_000);
      for (let seq = 0; seq < count; seq++) expect(t.broker.sendFromServer('b', `{"seq":${seq},"blob":"${blob}"}`).ok).toBe(true);
      const stopped = stop(how);
      await sleep(50);
      b.resume();
      await b.waitClosed(3_000);
      await stopped;
      const seqs = b.messages.map((m) => (m.payload as { seq: number }).seq);
      expect(seqs.length).toBe(count);
      expect(seqs.every((seq, i) => seq === i)).toBe(true);
      expect(b.violations).toEqual([]);
    });
  }

  it('a peer that never closes its side lingers closeLingerMs, then goes; the port refuses meanwhile', async () => {
    t = await startTestBroker(['b'], { closeLingerMs: LINGER_MS });
    const peer = await halfOpenPeer(t.port);
    await sleep(20);
    const started = Date.now();
    const paused = t.broker.pause();
    await sleep(50);
    expect(peer.ended()).toBe(true); // EOF at once
    expect(peer.closed()).toBe(false); // still open while the linger runs
    await expect(BaseClient.tcp(t.port)).rejects.toThrow(/ECONNREFUSED/);
    await paused;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(LINGER_MS - 20);
    expect(took).toBeLessThan(LINGER_MS + 500);
    // The broker's side is gone now: the peer's bytes are refused (reset, then EPIPE on a later write).
    await eventually(() => peer.closed() || void peer.socket.write('x'), 2_000, 'the peer reset');
    peer.socket.destroy();
  });
});
