import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectionRates } from './connection-rates';
import { recordKeys } from './limits';
import { collectCloses, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { ensureCertificate } from './tls';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let t: TestBroker | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const OFF_LINK = (address: string) => recordKeys(address, []);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionRates', () => {
  it('gives each address its own bucket: one that spends it leaves the others theirs', () => {
    const rates = new ConnectionRates(20, 64, OFF_LINK);
    const taken = (address: string, n: number, now = 0) => Array.from({ length: n }, () => rates.take(address, now)).filter(Boolean).length;
    expect(taken('192.0.2.66', 1_000)).toBe(64);
    expect(taken('192.0.2.66', 10, 1_000)).toBe(10); // 20/s: 20 more a second later, no more
    expect(taken('192.0.2.66', 30, 1_000)).toBe(10);
    expect(taken('192.0.2.7', 64, 1_000)).toBe(64);
    expect(taken('::ffff:192.0.2.66', 1, 1_000)).toBe(0); // the same client as a dual-stack listener reports it
  });

  it('an off-link IPv6 peer rotating its /64s spends its /48 (4x) and /32 (8x) budgets; one /64 empties neither', () => {
    const rates = new ConnectionRates(20, 64, OFF_LINK);
    // One /64, any address of it: 64, then nothing, and its /48 and /32 keep the rest.
    expect(Array.from({ length: 100 }, (_, i) => rates.take(`2001:db8:1:1::${i.toString(16)}`, 0)).filter(Boolean).length).toBe(64);
    expect(rates.take('2001:db8:1:2::1', 0)).toBe(true);
    // Rotating through the /64s of its /48: the /48's 256 in all, however many /64s.
    const rotated = Array.from({ length: 1_000 }, (_, i) => rates.take(`2001:db8:1:${(i + 3).toString(16)}::1`, 0)).filter(Boolean).length;
    expect(rotated).toBe(256 - 65);
    // Another /48 of the /32 still gets in, up to the /32's 512.
    expect(rates.take('2001:db8:2:1::1', 0)).toBe(true);
    // Another /32, and IPv4, are untouched.
    expect(rates.take('2001:db9:1:1::1', 0)).toBe(true);
    expect(rates.take('192.0.2.7', 0)).toBe(true);
  });

  it('exempt addresses spend nothing; the buckets are bounded', () => {
    const rates = new ConnectionRates(1, 1, (a) => (a.startsWith('127.') ? [] : OFF_LINK(a)), 100);
    expect(Array.from({ length: 1_000 }, () => rates.take('127.0.0.1', 0)).every(Boolean)).toBe(true);
    for (let i = 0; i < 1_000; i++) rates.take(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(rates.size).toBe(100);
  });
});

/**
 * A peer at 127.0.0.1 that opens connections and ends each as soon as it is accepted, at most
 * `parallel` at once, until stop(): with a reset (the broker may find it gone before it looks) or
 * with a FIN (the broker still sees its address).
 */
function flood(port: number, end: 'reset' | 'close', parallel = 32): { stop(): Promise<number> } {
  let running = true;
  let made = 0;
  let open = 0;
  let allClosed: () => void = () => {};
  const one = (): void => {
    if (!running) return void (open === 0 && allClosed());
    open++;
    made++;
    const s = netConnect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    s.on('connect', () => (end === 'reset' ? s.resetAndDestroy() : s.destroy()));
    s.on('close', () => {
      open--;
      one();
    });
  };
  for (let i = 0; i < parallel; i++) one();
  return {
    stop: () => {
      running = false;
      return new Promise<number>((resolve) => {
        allClosed = () => resolve(made);
        if (open === 0) resolve(made);
      });
    },
  };
}

/** The real device from 127.0.0.2 (another address than the flood's), over TCP or TLS. */
function fromDevice(port: number, ca?: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const options = { port, host: '127.0.0.1', localAddress: '127.0.0.2' };
    const socket: Socket = ca ? tlsConnect({ ...options, ca, servername: 'localhost' }, () => resolve(socket)) : netConnect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Logs the device in `times` times, 50 ms apart, while the flood runs: the errors of those that failed. */
async function deviceLogins(port: number, times: number, ca?: string): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      const client = new LegacyClient(await fromDevice(port, ca));
      await client.login(testToken('lamp'));
      client.destroy();
    } catch (err) {
      failed.push(String(err));
    }
    await pause(50);
  }
  return failed;
}

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

// Loopback is exempt by default (the simulator); here 127.0.0.1 and .2 stand for two LAN hosts.
const addressing = { limitLoopback: true };

describe(`one address's connection churn (${process.env.HYPERTCP_NATIVE_WIRE === 'off' ? 'JS' : 'default'} data path)`, () => {
  it.each([
    ['TCP', 'reset'],
    ['TCP', 'close'],
    ['TLS', 'reset'],
    ['TLS', 'close'],
  ] as const)('%s, connections ended by a %s: spends its own budget, the device from another address logs in every time', async (transport, end) => {
    t = await startTestBroker(['lamp'], { addressing });
    let port = t.port;
    let ca: string | undefined;
    if (transport === 'TLS') {
      const dir = await mkdtemp(join(tmpdir(), 'hypertcp-rate-'));
      dirs.push(dir);
      const { key, cert } = await ensureCertificate(dir);
      port = await t.broker.listenTls({ port: 0, key, cert });
      ca = cert;
    }
    const closes = collectCloses(t.broker);
    const attacker = flood(port, end);
    await pause(500);
    const failed = await deviceLogins(port, 10, ca);
    const made = await attacker.stop();
    const refused: Record<string, number> = {};
    for (const [, reason, detail] of closes) if (reason === 'rejected') refused[detail!] = (refused[detail!] ?? 0) + 1;
    const shown = `the flood made ${made} connections, refused ${JSON.stringify(refused)}`;
    // Enough to have emptied the broker-wide bucket (burst 1,000, 500/s) before the fix.
    expect(made, shown).toBeGreaterThan(2_000);
    expect(failed, shown).toEqual([]);
    expect(refused.connection_rate, shown).toBeUndefined();
    // A FIN leaves the peer's address to count under: its own bucket refused it.
    if (end === 'close') expect(refused.connection_rate_per_address, shown).toBeGreaterThan(made / 2);
  });
});
