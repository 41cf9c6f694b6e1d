import { afterEach, describe, expect, it } from 'vitest';
import { UdpClient } from './client';
import { VirtualClock } from './clock';
import { DEFAULT_UDP_CONFIG } from './config';
import { tokenHash } from './crypto';
import { bindUdp } from './net';
import { UdpTransport } from './transport';

/**
 * A session granted at login waits for its device's HELLO; one that never comes must not hold the
 * session (and keep its device's TCP session off the native wire) forever. Real sockets on 127.0.0.1.
 */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

const hash = tokenHash('pending-session-token-xxxxxxxxx');
const deadPeerMs = DEFAULT_UDP_CONFIG.heartbeatMs * DEFAULT_UDP_CONFIG.deadAfterHeartbeats;

async function transportOn(clock?: VirtualClock, config?: { heartbeatMs: number; deadAfterHeartbeats: number }) {
  const transport = new UdpTransport({ socket: await bindUdp(0), clock, config });
  cleanups.push(() => transport.close());
  const ends: [string, number][] = [];
  transport.attachSessionEnd((deviceId, sessionId) => ends.push([deviceId, sessionId]));
  const closes: { deviceId: string; sessionId: number; reason: string }[] = [];
  transport.on('session:close', (e: { deviceId: string; sessionId: number; reason: string }) => closes.push({ deviceId: e.deviceId, sessionId: e.sessionId, reason: e.reason }));
  return { transport, ends, closes };
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

describe('a pending UDP session (granted, no HELLO yet)', () => {
  it('ends after the dead-peer timeout with its reason, the broker is told, and a late HELLO finds nothing', async () => {
    const clock = new VirtualClock();
    const { transport, ends, closes } = await transportOn(clock);
    const grant = transport.openSession('dev', hash)!;
    clock.run(deadPeerMs - 1);
    expect(transport.sessions().map((s) => s.state)).toEqual(['pending']);
    expect(ends).toEqual([]);
    clock.run(deadPeerMs);
    expect(transport.sessions()).toEqual([]);
    expect(ends).toEqual([['dev', grant.sessionId]]);
    expect(closes).toEqual([{ deviceId: 'dev', sessionId: grant.sessionId, reason: 'hello_timeout' }]);

    const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: grant.port, sessionId: grant.sessionId, serverNonce: grant.nonce, tokenHash: hash });
    cleanups.push(() => client.close());
    await until(() => transport.drops.unknownSession > 0, 2_000);
    expect(transport.drops.unknownSession).toBeGreaterThan(0);
    expect(transport.isOpen('dev')).toBe(false);
  });

  it("a replaced session's deadline does not end the session that replaced it", async () => {
    const clock = new VirtualClock();
    const { transport, ends, closes } = await transportOn(clock);
    const first = transport.openSession('dev', hash)!;
    clock.run(deadPeerMs / 2);
    const second = transport.openSession('dev', hash)!;
    clock.run(deadPeerMs);
    expect(transport.sessions().map((s) => [s.sessionId, s.state])).toEqual([[second.sessionId, 'pending']]);
    clock.run(deadPeerMs * 1.5);
    expect(transport.sessions()).toEqual([]);
    expect(ends).toEqual([
      ['dev', first.sessionId],
      ['dev', second.sessionId],
    ]);
    expect(closes.map((c) => [c.sessionId, c.reason])).toEqual([
      [first.sessionId, 'replaced'],
      [second.sessionId, 'hello_timeout'],
    ]);
  });

  it('a device whose HELLO came in time keeps its session past the deadline', async () => {
    const config = { heartbeatMs: 40, deadAfterHeartbeats: 3 };
    const { transport, closes } = await transportOn(undefined, config);
    const grant = transport.openSession('dev', hash)!;
    const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: grant.port, sessionId: grant.sessionId, serverNonce: grant.nonce, tokenHash: hash, config });
    cleanups.push(() => client.close());
    await until(() => transport.isOpen('dev'), 2_000);
    await new Promise((r) => setTimeout(r, 4 * config.heartbeatMs * config.deadAfterHeartbeats));
    expect(transport.isOpen('dev')).toBe(true);
    expect(closes).toEqual([]);
  });
});
