import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeFrame } from '../../shared/protocol/frame';
import { Broker } from './broker';
import { BaseClient } from './testing/base-client';
import { duplexPair } from './testing/duplex-pair';
import { collectCloses, eventually, testToken } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { V2Client } from './testing/v2-client';
import { certificateNames, ensureCertificate, interfaceAddresses, machineNames, type InterfaceList } from './tls';
import type { BrokerLimits } from './options';
import { MemoryTokenStore } from './tokens';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A broker with a fresh per-install certificate and a token for each id. */
async function tlsBroker(ids: string[], limits: Partial<BrokerLimits> = {}): Promise<{ broker: Broker; key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
  dirs.push(dir);
  const { key, cert } = await ensureCertificate(dir);
  const tokens = new MemoryTokenStore();
  for (const id of ids) tokens.add(id, testToken(id));
  return { broker: new Broker({ tokens, limits }), key, cert };
}

describe('TLS', () => {
  it('generates a certificate per install once, then reuses it; the key is owner-only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const first = await ensureCertificate(dir);
    const again = await ensureCertificate(dir);
    expect(first.generated).toBe(true);
    expect(again.generated).toBe(false);
    expect(again.cert).toBe(first.cert);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
    const other = await ensureCertificate(await mkdtemp(join(tmpdir(), 'hypertcp-tls-')).then((d) => (dirs.push(d), d)));
    expect(other.key).not.toBe(first.key);
  });

  it('serves legacy and v2 devices over TLS beside plain TCP', async () => {
    const { broker, key, cert } = await tlsBroker(['secure', 'plain']);
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const tcpPort = await broker.listen({ port: 0 });
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      const plain = await LegacyClient.connect(tcpPort);
      await plain.login(testToken('plain'));
      expect(broker.sessions().map((s) => [s.id, s.transport]).sort()).toEqual([['plain', 'tcp'], ['secure', 'tls']]);
      expect(await secure.send('plain', '{"over":"tls"}')).toBe(Status.SUCCESS);
      await plain.waitMessages(1);
      secure.destroy();
      plain.destroy();
    } finally {
      await broker.close();
    }
  });

  it('the TLS server refuses over maxConnections with the same recorded reason as the broker', async () => {
    const { broker, key, cert } = await tlsBroker(['secure'], { maxConnections: 1 });
    const closes = collectCloses(broker);
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      await expect(BaseClient.tls(tlsPort, cert)).rejects.toThrow();
      await eventually(() => closes.length > 0, 1_000, 'the refusal');
      expect(closes).toEqual([[null, 'rejected', 'max_connections']]);
      expect(broker.stats().connectionsRejected).toBe(1);
      expect(secure.closed).toBe(false);
      secure.destroy();
    } finally {
      await broker.close();
    }
  });

  it('TLS handshakes in progress count toward maxConnections with every other socket', async () => {
    const { broker, key, cert } = await tlsBroker(['a', 'b', 'secure'], { maxConnections: 3 });
    const closes = collectCloses(broker);
    const clients: { destroy(): void }[] = [];
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const tcpPort = await broker.listen({ port: 0 });
      // One TLS connection that never sends its ClientHello, then N-1 = 2 plain sessions: 3 sockets.
      const stalled = await rawConnect(tlsPort);
      clients.push(stalled);
      for (const id of ['a', 'b']) {
        const client = await LegacyClient.connect(tcpPort);
        clients.push(client);
        await client.login(testToken(id));
      }
      // The limit is reached: a fourth socket is refused, plain or TLS, and recorded as before.
      const plain = new LegacyClient(await BaseClient.tcp(tcpPort));
      clients.push(plain);
      await plain.waitClosed();
      expect(closes).toEqual([[null, 'rejected', 'max_connections']]);
      await expect(BaseClient.tls(tlsPort, cert)).rejects.toThrow();
      await eventually(() => closes.length > 1, 1_000, 'the TLS refusal');
      expect(closes.at(-1)).toEqual([null, 'rejected', 'max_connections']);
      expect(broker.stats().connectionsRejected).toBe(2);
      // The stalled handshake gives its place back when it goes; a handshake that completes is
      // counted once, by its session (2 plain + 1 TLS session = 3: the next one is refused).
      stalled.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      clients.push(secure);
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      const late = new LegacyClient(await BaseClient.tcp(tcpPort));
      clients.push(late);
      await late.waitClosed();
      expect(broker.stats().connectionsRejected).toBe(3);
      expect(broker.sessions().map((s) => s.id).sort()).toEqual(['a', 'b', 'secure']);
    } finally {
      clients.forEach((c) => c.destroy());
      await broker.close();
    }
  });

  it('a TLS connection takes its connection-rate token when its handshake begins, and only that one', async () => {
    // Two tokens, refilled once a minute: nothing comes back during the test.
    const { broker, key, cert } = await tlsBroker(['secure'], { connectionsPerSecond: 1 / 60, connectionBurst: 2 });
    const closes = collectCloses(broker);
    const clients: { destroy(): void }[] = [];
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      // A device that completes its handshake and logs in spends one token, not one per stage.
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      clients.push(secure);
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      // A handshake that never finishes spends the second: starting handshakes is what is limited.
      clients.push(await rawConnect(tlsPort));
      const third = await rawConnect(tlsPort);
      clients.push(third);
      const refused = await Promise.race([
        new Promise((resolve) => third.once('close', () => resolve(true))),
        new Promise((resolve) => setTimeout(() => resolve(false), 1_000)),
      ]);
      expect(refused, 'the third handshake refused').toBe(true);
      expect(closes).toEqual([[null, 'rejected', 'connection_rate']]);
      expect(secure.closed).toBe(false);
    } finally {
      clients.forEach((c) => c.destroy());
      await broker.close();
    }
  });

  it('stats() shows the sockets held that are not connections: TLS handshakes and lingering closes', async () => {
    const { broker, key, cert } = await tlsBroker(['secure']);
    const clients: { destroy(): void }[] = [];
    const held = () => [broker.stats().connections, broker.stats().socketsHeld];
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      expect(held()).toEqual([0, 0]);
      const stalled = await rawConnect(tlsPort);
      clients.push(stalled);
      await eventually(() => broker.stats().socketsHeld === 1, 1_000, 'the handshake held');
      expect(held()).toEqual([0, 1]);
      // A finished handshake is counted once, by its session.
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      clients.push(secure);
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      expect(held()).toEqual([1, 2]);
      // A wrong token, from a peer that keeps its side open: closed, but its socket lingers.
      const [brokerSide, deviceSide] = duplexPair();
      clients.push(deviceSide);
      broker.handle(brokerSide, { address: 'mem', transport: 'tcp' });
      deviceSide.on('error', () => {});
      deviceSide.resume();
      deviceSide.write(encodeFrame(Command.LOGIN, 1, 'wrong'.padEnd(32, 'z')));
      await eventually(() => broker.stats().loginsFailed === 1, 1_000, 'the refused login');
      expect(held()).toEqual([1, 3]);
      stalled.destroy();
      deviceSide.destroy();
      await eventually(() => broker.stats().socketsHeld === 1, 1_000, 'the sockets released');
      expect(held()).toEqual([1, 1]);
    } finally {
      clients.forEach((c) => c.destroy());
      await broker.close();
    }
  });

  it('closes a TLS connection whose handshake does not finish within the login timeout', async () => {
    const { broker, key, cert } = await tlsBroker(['secure'], { loginTimeoutMs: 100, maxConnections: 1 });
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const stalled = await rawConnect(tlsPort);
      const started = performance.now();
      const closed = await Promise.race([
        new Promise((resolve) => stalled.once('close', () => resolve(true))),
        new Promise((resolve) => setTimeout(() => resolve(false), 1_000)),
      ]);
      stalled.destroy();
      expect(closed, 'closed by the broker').toBe(true);
      expect(performance.now() - started).toBeLessThan(1_000);
      // Its place is free again.
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      secure.destroy();
    } finally {
      await broker.close();
    }
  });
});

/** A TCP connection that sends nothing (a TLS handshake that never starts). */
function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** An interface list as os.networkInterfaces() gives it: loopback plus a LAN IPv4 and IPv6 address. */
const LAN: InterfaceList = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
  ],
  eth0: [
    { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.1.23/24' },
    { address: 'FD00::23', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::23/64', scopeid: 0 },
  ],
};

/** A machine as a stranger must not learn it: an EUI-64 and a temporary IPv6 address, Docker, a VPN, a VM bridge. */
const BUSY: InterfaceList = {
  ...LAN,
  wlan0: [
    { address: '192.168.1.24', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: '192.168.1.24/24' },
    { address: '2001:db8:1:2:ba27:ebff:fe12:3456', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: 'b8:27:eb:12:34:56', internal: false, cidr: '2001:db8:1:2:ba27:ebff:fe12:3456/64', scopeid: 0 },
    { address: '2001:db8:1:2:7d1e:2a9c:1b44:e0f1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: 'b8:27:eb:12:34:56', internal: false, cidr: '2001:db8:1:2:7d1e:2a9c:1b44:e0f1/64', scopeid: 0 },
    { address: 'fe80::ba27:ebff:fe12:3456', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: 'b8:27:eb:12:34:56', internal: false, cidr: 'fe80::ba27:ebff:fe12:3456/64', scopeid: 3 },
    { address: '169.254.7.7', netmask: '255.255.0.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: '169.254.7.7/16' },
  ],
  docker0: [{ address: '172.17.0.1', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:00:00:00:01', internal: false, cidr: '172.17.0.1/16' }],
  'br-5f2a9c': [{ address: '172.18.0.1', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:00:00:00:02', internal: false, cidr: '172.18.0.1/16' }],
  veth1a2b: [{ address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:42:00:00:00:03', internal: false, cidr: 'fe80::1/64', scopeid: 9 }],
  virbr0: [{ address: '192.168.122.1', netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:00:00:01', internal: false, cidr: '192.168.122.1/24' }],
  wg0: [{ address: '10.8.0.1', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '10.8.0.1/24' }],
  tun0: [{ address: '10.9.0.1', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '10.9.0.1/24' }],
};

describe('certificate names', () => {
  it('names the machine: localhost, loopback, its host name and NAME.local, its LAN IPv4 addresses, extra names', () => {
    expect(interfaceAddresses(LAN)).toEqual(['192.168.1.23', 'fd00::23']);
    expect(machineNames(['Pi.Lan'], LAN, 'labpi')).toEqual({ dns: ['localhost', 'labpi', 'labpi.local', 'pi.lan'], ips: ['127.0.0.1', '::1', '192.168.1.23'] });
    expect(machineNames([], LAN, 'labpi.local').dns).toEqual(['localhost', 'labpi.local']);
  });

  it('leaves out what a stranger must not learn: IPv6 addresses (the MAC in EUI-64), container and VPN interfaces', () => {
    expect(machineNames([], BUSY, 'labpi')).toEqual({ dns: ['localhost', 'labpi', 'labpi.local'], ips: ['127.0.0.1', '::1', '192.168.1.23', '192.168.1.24'] });
    // The user can still name one (--host-name): an address there is listed as an address.
    expect(machineNames(['10.8.0.1', '[FD00::23]', 'pi.lan'], BUSY, 'labpi')).toEqual({
      dns: ['localhost', 'labpi', 'labpi.local', 'pi.lan'],
      ips: ['127.0.0.1', '::1', '192.168.1.23', '192.168.1.24', '10.8.0.1', 'fd00::23'],
    });
  });

  it('a TLS peer that sends nothing but a hello reads only those names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const { key, cert } = await ensureCertificate(dir, { names: machineNames([], BUSY, 'labpi') });
    const server = createTlsServer({ key, cert }, (s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const san = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().subjectaltname ?? '');
          s.destroy();
        });
        s.once('error', reject);
      });
      expect(san).toBe('DNS:localhost, DNS:labpi, DNS:labpi.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.23, IP Address:192.168.1.24');
      for (const secret of ['ba27', 'fe12', '172.17', '172.18', '10.8', '10.9', '192.168.122', '169.254', 'fd00']) expect(san, secret).not.toContain(secret);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a generated certificate covers those names; an existing one is kept as it was (devices may pin it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const names = machineNames(['pi.lan'], LAN, 'labpi');
    const first = await ensureCertificate(dir, { names });
    const x509 = new X509Certificate(first.cert);
    for (const name of ['localhost', 'labpi', 'labpi.local', 'pi.lan']) expect(x509.checkHost(name), name).toBe(name);
    for (const ip of ['127.0.0.1', '::1', '192.168.1.23']) expect(x509.checkIP(ip), ip).toBe(ip);
    expect(x509.checkIP('192.168.1.24')).toBeUndefined();
    expect(x509.checkIP('fd00::23')).toBeUndefined();
    expect(certificateNames(first.cert)).toEqual(names);
    const again = await ensureCertificate(dir, { names: machineNames(['other.lan'], {}, 'renamed') });
    expect(again.generated).toBe(false);
    expect(certificateNames(again.cert)).toEqual(names);
  });
});
