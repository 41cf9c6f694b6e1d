import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { encodeFrame } from '../../shared/protocol/frame';
import type { Broker } from './broker';
import { HeldSockets, limitedAddressKey } from './held-sockets';
import { onLinkPrefixes } from './on-link';
import { duplexPair } from './testing/duplex-pair';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import type { InterfaceList } from './tls';

let t: TestBroker;
afterEach(async () => t?.close());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A connection from `address`: handle() with the address a listener would report (a real socket
 * from this test can only come from loopback, which the limit exempts).
 */
function connectFrom(broker: Broker, address: string): LegacyClient {
  const [brokerSide, deviceSide] = duplexPair();
  broker.handle(brokerSide, { address, transport: 'tcp' });
  return new LegacyClient(deviceSide);
}

/** Settles the in-memory streams (a refused one is destroyed a tick later). */
const settle = () => pause(20);

describe('maxConnectionsPerAddress', () => {
  it('refuses the connection over the limit from one address, with its own reason; other addresses get in', async () => {
    t = await startTestBroker(['lamp'], { limits: { maxConnectionsPerAddress: 2 } });
    const closes = collectCloses(t.broker);
    const first = [connectFrom(t.broker, '192.0.2.7'), connectFrom(t.broker, '192.0.2.7')];
    // The same host as a dual-stack listener reports it is the same address.
    const third = connectFrom(t.broker, '::ffff:192.0.2.7');
    await settle();
    expect(third.closed).toBe(true);
    expect(closes).toEqual([[null, 'rejected', 'max_connections_per_address']]);
    // One IPv6 /64 is one address, however its hosts are numbered.
    const v6 = [connectFrom(t.broker, '2001:db8:1:2::1'), connectFrom(t.broker, '2001:db8:1:2::2')];
    const v6Third = connectFrom(t.broker, '2001:db8:1:2:ffff::3');
    await settle();
    expect(v6Third.closed).toBe(true);
    expect(closes.at(-1)).toEqual([null, 'rejected', 'max_connections_per_address']);
    // Meanwhile another address still gets a place and logs in.
    const lamp = connectFrom(t.broker, '192.0.2.8');
    await lamp.login(testToken('lamp'));
    expect([...first, ...v6, lamp].map((c) => c.closed)).toEqual([false, false, false, false, false]);
    expect(t.broker.stats().connectionsRejected).toBe(2);
    expect(t.broker.stats().disconnects.rejected).toBe(2);
    [...first, ...v6, lamp].forEach((c) => c.destroy());
  });

  it('gives the place back when the socket is gone, not before: a lingering socket keeps it', async () => {
    t = await startTestBroker(['lamp'], { limits: { maxConnectionsPerAddress: 1 }, closeLingerMs: 300 });
    const closes = collectCloses(t.broker);
    // A peer that goes frees its place at once.
    const gone = connectFrom(t.broker, '192.0.2.7');
    gone.destroy();
    await settle();
    const lamp = connectFrom(t.broker, '192.0.2.7');
    await lamp.login(testToken('lamp'));
    lamp.destroy();
    await settle();
    // A wrong token: the broker closes the connection, but the peer keeps its side open, so the
    // socket lingers (closeLingerMs) and keeps its place until the broker destroys it.
    const [brokerSide, deviceSide] = duplexPair();
    t.broker.handle(brokerSide, { address: '192.0.2.7', transport: 'tcp' });
    deviceSide.on('error', () => {});
    deviceSide.resume();
    deviceSide.write(encodeFrame(Command.LOGIN, 1, 'wrong'.padEnd(32, 'z')));
    await eventually(() => closes.some(([, reason]) => reason === 'auth_failed'), 2_000, 'the refused login');
    const refused = connectFrom(t.broker, '192.0.2.7');
    await settle();
    expect(refused.closed).toBe(true);
    expect(closes.at(-1)).toEqual([null, 'rejected', 'max_connections_per_address']);
    await pause(400);
    const again = connectFrom(t.broker, '192.0.2.7');
    await again.login(testToken('lamp'));
    expect(again.closed).toBe(false);
    again.destroy();
    deviceSide.destroy();
  });

  it('a TLS handshake in progress holds a place of its address, released once', async () => {
    t = await startTestBroker(['lamp'], { limits: { maxConnectionsPerAddress: 2 } });
    const closes = collectCloses(t.broker);
    // The listener's entry point for a raw TLS socket whose handshake begins (Broker.holdHandshake).
    const holdHandshake = (address: string): { release: (() => void) | null; raw: Duplex } => {
      const [raw] = duplexPair();
      Object.defineProperty(raw, 'remoteAddress', { value: address });
      return { release: t.broker['holdHandshake'](raw as Socket), raw };
    };
    const handshake = holdHandshake('192.0.2.7');
    expect(handshake.release).not.toBeNull();
    const plain = connectFrom(t.broker, '192.0.2.7');
    // Handshake + session = 2: a third socket is refused, plain or TLS.
    const refused = connectFrom(t.broker, '192.0.2.7');
    await settle();
    expect(refused.closed).toBe(true);
    const refusedHandshake = holdHandshake('192.0.2.7');
    expect(refusedHandshake.release).toBeNull();
    expect(refusedHandshake.raw.destroyed).toBe(true);
    expect(closes).toEqual([
      [null, 'rejected', 'max_connections_per_address'],
      [null, 'rejected', 'max_connections_per_address'],
    ]);
    // The handshake ends (secured or closed): its place is free, and only its own place, however
    // often the listener calls its release.
    handshake.release!();
    handshake.release!();
    const next = connectFrom(t.broker, '192.0.2.7');
    const over = connectFrom(t.broker, '192.0.2.7');
    await settle();
    expect([plain.closed, next.closed, over.closed]).toEqual([false, false, true]);
    [plain, next].forEach((c) => c.destroy());
  });

  it('exempts loopback and in-memory streams (the simulator runs many devices from one address)', async () => {
    t = await startTestBroker(['a', 'b', 'c', 'd', 'e', 'f', 'g'], { limits: { maxConnectionsPerAddress: 1 } });
    // Real sockets from 127.0.0.1, three at once.
    const real = await Promise.all(['a', 'b', 'c'].map((id) => t.legacy(id)));
    // Other loopback spellings, and a stream that has no IP address: each past the limit of 1.
    const others = ['::1', '::ffff:127.0.0.1', '127.0.0.2', 'mem', 'mem', 'unknown'].map((a) => connectFrom(t.broker, a));
    await settle();
    expect([...real, ...others].filter((c) => c.closed)).toEqual([]);
    // The limit is on: a second connection from one real address is refused.
    const first = connectFrom(t.broker, '198.51.100.1');
    const second = connectFrom(t.broker, '198.51.100.1');
    await settle();
    expect([first.closed, second.closed]).toEqual([false, true]);
    [...others, first].forEach((c) => c.destroy());
  });
});

/** A machine on a SLAAC home LAN: every IPv6 host of it is in 2001:db8:aa:bb::/64. */
const HOME_LAN: InterfaceList = {
  eth0: [
    { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.1.20/24' },
    { address: '2001:db8:aa:bb:ba27:ebff:fe00:20', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8:aa:bb:ba27:ebff:fe00:20/64', scopeid: 0 },
  ],
};
const GADGET = '2001:db8:aa:bb:1c2d:3e4f:5a6b:7c8d'; // a compromised smart plug on the LAN
const DEVICE = '2001:db8:aa:bb:ba27:ebff:fe12:3456'; // the user's ESP32, same LAN

describe('peers on the machine\'s own IPv6 link', () => {
  it('one LAN host filling its places, then failing logins, leaves the device beside it alone', async () => {
    t = await startTestBroker(['lamp'], {
      addressing: { interfaces: () => HOME_LAN },
      // 64 + 1 + 12 connections from the gadget: its connection rate is not what this test is about.
      limits: { loginDelayBaseMs: 20, loginDelayMaxMs: 320, connectionBurstPerAddress: 1_000 },
    });
    const closes = collectCloses(t.broker);
    const held = Array.from({ length: 64 }, () => connectFrom(t.broker, GADGET));
    const over = connectFrom(t.broker, GADGET);
    await settle();
    expect(over.closed).toBe(true);
    expect(closes).toEqual([[null, 'rejected', 'max_connections_per_address']]);
    // The device in the same /64 has places of its own.
    const device = connectFrom(t.broker, DEVICE);
    await device.login(testToken('lamp'));
    device.destroy();
    held.forEach((c) => c.destroy());
    await settle();
    // Twelve wrong tokens from the gadget: its own delay is at the cap...
    for (let i = 0; i < 12; i++) {
      const guess = connectFrom(t.broker, GADGET);
      await expect(guess.login(`guess-${i}-`.padEnd(32, 'z'))).rejects.toThrow(/status 9/);
      guess.destroy();
    }
    // ...the device's correct login is answered at once (before: the gadget's delay, 320 ms here, 3 s by default).
    const started = performance.now();
    const again = connectFrom(t.broker, DEVICE);
    await again.login(testToken('lamp'));
    expect(performance.now() - started).toBeLessThan(150);
    again.destroy();
  });

  it('off-link IPv6 peers still share their /64', async () => {
    t = await startTestBroker(['lamp'], { addressing: { interfaces: () => HOME_LAN }, limits: { maxConnectionsPerAddress: 2 } });
    const remote = [connectFrom(t.broker, '2001:db8:cc:dd::1'), connectFrom(t.broker, '2001:db8:cc:dd::2'), connectFrom(t.broker, '2001:db8:cc:dd:ffff::3')];
    const lan = [connectFrom(t.broker, GADGET), connectFrom(t.broker, GADGET), connectFrom(t.broker, DEVICE)];
    await settle();
    expect(remote.map((c) => c.closed)).toEqual([false, false, true]);
    expect(lan.map((c) => c.closed)).toEqual([false, false, false]);
    [...remote, ...lan].forEach((c) => c.destroy());
  });
});

describe('HeldSockets', () => {
  it('keeps an address only while it holds sockets', () => {
    const held = new HeldSockets();
    held.hold('192.0.2.7');
    held.hold('::ffff:192.0.2.7');
    held.hold('2001:db8::1');
    held.hold('127.0.0.1');
    expect([held.total, held.heldBy('192.0.2.7'), held.heldBy('2001:db8::ff'), held.heldBy('127.0.0.1'), held.addresses]).toEqual([4, 2, 1, 0, 2]);
    for (const address of ['192.0.2.7', '192.0.2.7', '2001:db8::1', '127.0.0.1']) held.release(address);
    expect([held.total, held.addresses]).toEqual([0, 0]);
  });

  it('releases under the key it held with, though the key of the address changed meanwhile', () => {
    let onLink = false;
    const held = new HeldSockets((address) => (onLink ? address : '2001:db8:aa:bb::/64'));
    held.hold(GADGET);
    held.hold(GADGET);
    onLink = true; // the machine's links were read again: the LAN is on-link now
    expect(held.heldBy(GADGET)).toBe(2);
    held.release(GADGET);
    held.hold(GADGET);
    held.release(GADGET);
    held.release(GADGET);
    expect([held.total, held.addresses, held.remembered]).toEqual([0, 0, 0]);
    held.hold(GADGET);
    expect(held.heldBy(DEVICE)).toBe(0);
    expect(held.heldBy(GADGET)).toBe(1);
  });

  it('limits IP addresses by addressKey(), except loopback and non-addresses', () => {
    expect(limitedAddressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(limitedAddressKey('2001:db8:1:2::9', [])).toBe('2001:db8:1:2::/64');
    expect(limitedAddressKey(GADGET, onLinkPrefixes(HOME_LAN))).toBe(GADGET);
    expect(limitedAddressKey('fe80::1%eth0', [])).toBe('fe80:0:0:0:0:0:0:1');
    for (const exempt of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '::1', '0:0:0:0:0:0:0:1', 'unknown', 'mem']) {
      expect(limitedAddressKey(exempt), exempt).toBeNull();
    }
  });
});
