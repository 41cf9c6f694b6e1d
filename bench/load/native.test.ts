import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker, MemoryTokenStore } from '../../electron/broker';
import { eventually } from '../../electron/broker/testing/fixtures';
import { Histogram } from '../lib/stats';
import { NativeLoad, buildForwarderAddon, buildNativeLoadgen, clientLine, nodeApiHeaders, parseReport } from './native';
import type { SendMode, WorkerClient } from './messages';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Why the generator cannot be built and run here (it uses Linux's epoll and timerfd), or null. */
const unavailable = ((): string | null => {
  if (process.platform !== 'linux') return `it uses Linux's epoll and timerfd (this is ${process.platform})`;
  try {
    execFileSync(process.env.CXX ?? 'g++', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'no g++ on this machine (apt-get install g++)';
  }
})();
if (unavailable) console.warn(`native loadgen tests against brokers skipped: ${unavailable}`);

/** Why the C++ forwarder addon cannot be built here (it needs this Node's Node-API headers), or null. */
const noHeaders = ((): string | null => {
  try {
    nodeApiHeaders();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
})();
if (!unavailable && noHeaders) console.warn(`C++ forwarder addon test skipped: ${noHeaders}`);

describe('native load generator: config and report lines', () => {
  it('writes one line per client with "-" for absent fields and refuses whitespace', () => {
    expect(clientLine({ protocol: 'hypertcp', port: 8080, id: 'pub-001', token: 'abc', sendTo: 'sink', src: 1 })).toBe('client hypertcp 8080 pub-001 abc sink - 0 1 1');
    expect(clientLine({ protocol: 'mqtt', port: 1883, id: 'sink', subscribe: 'bench/sink', qos: 1 })).toBe('client mqtt 1883 sink - - bench/sink 1 0 1');
    expect(() => clientLine({ protocol: 'mqtt', port: 1, id: 'a b' })).toThrow(/whitespace/);
  });

  it('turns the sparse histogram into the coordinator\'s buckets', () => {
    const r = parseReport('report {"elapsedMs":1000.5,"sent":3,"received":3,"acksOk":3,"acksRefused":0,"errors":0,"forgiven":0,"histogram":[[40,2],[300,1]]}');
    const h = new Histogram(r.histogram);
    expect(h.total).toBe(3);
    expect(h.percentile(50)).toBe(40);
    expect(r).toMatchObject({ type: 'report', sent: 3, received: 3, forgiven: 0 });
    expect(r.socketHistogram).toBeUndefined();
    const stamped = parseReport('report {"elapsedMs":1,"sent":1,"received":1,"acksOk":1,"acksRefused":0,"errors":0,"forgiven":0,"histogram":[[40,1]],"socketHistogram":[[25,1]]}');
    expect(new Histogram(stamped.socketHistogram).percentile(50)).toBe(25);
  });
});

describe.skipIf(unavailable !== null)('native load generator against real brokers on 127.0.0.1', () => {
  let dir = '';
  let bin = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'loadgen-'));
    bin = buildNativeLoadgen(path.join(dir, 'loadgen'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the generator for `ms` at `rate` per publisher (or saturating); returns its report. */
  async function run(clients: WorkerClient[], rate: number | SendMode, ms: number) {
    const load = new NativeLoad(clients, typeof rate === 'number' ? { kind: 'rate', perSecond: rate } : rate, bin);
    try {
      await load.ready(10_000);
      load.send({ type: 'mark' });
      load.send({ type: 'start' });
      await sleep(ms);
      return await load.report();
    } finally {
      await load.close();
    }
  }

  it('logs in to our broker, sends at the rate, and every delivery is acked and timed', async () => {
    const tokens = new MemoryTokenStore();
    const broker = new Broker({ tokens });
    const port = await broker.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = { protocol: 'hypertcp' as const, port };
      const clients: WorkerClient[] = [
        { ...base, id: 'sink', token: tokens.create('sink') },
        { ...base, id: 'pub-0', token: tokens.create('pub-0'), sendTo: 'sink', src: 0 },
        { ...base, id: 'pub-1', token: tokens.create('pub-1'), sendTo: 'sink', src: 1 },
      ];
      const r = await run(clients, 200, 1_000);
      expect(r.sent).toBeGreaterThan(250); // 2 x 200 msg/s for ~1 s
      expect(r.sent).toBeLessThan(450);
      expect(r.received).toBeGreaterThanOrEqual(r.sent - 5); // a few may still be in flight
      const read = new Histogram(r.histogram);
      expect(read.total).toBe(r.received);
      // the kernel stamped every delivery as the broker's write reached the socket: before the read
      const atSocket = new Histogram(r.socketHistogram);
      expect(atSocket.total).toBe(r.received);
      expect(atSocket.percentile(50)).toBeGreaterThan(0);
      for (const p of [50, 99, 100]) expect(atSocket.percentile(p)).toBeLessThanOrEqual(read.percentile(p));
      expect(r.acksOk).toBeGreaterThanOrEqual(r.sent - 5);
      expect(r.acksRefused + r.errors).toBe(0);
      // the native data path hands its counters to JavaScript at most every 5 ms: the last may still be on the way
      await eventually(() => broker.stats().msgsIn >= r.sent, 1_000, 'the broker counting every message in');
    } finally {
      await broker.close('shutdown');
    }
  });

  it('saturates with a bounded window: many messages, never more in flight than the window', async () => {
    const tokens = new MemoryTokenStore();
    // the default per-device rate limit would refuse a saturating publisher (as the bench's broker, lifted)
    const broker = new Broker({ tokens, limits: { ratePerSecond: 1_000_000, rateBurst: 1_000_000 } });
    const port = await broker.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = { protocol: 'hypertcp' as const, port };
      const publishers = [0, 1, 2].map((src) => ({ ...base, id: `pub-${src}`, token: tokens.create(`pub-${src}`), sendTo: 'sink', src }));
      const r = await run([{ ...base, id: 'sink', token: tokens.create('sink') }, ...publishers], { kind: 'saturate', window: 8, batch: 4 }, 600);
      expect(r.received).toBeGreaterThan(1_000); // a closed loop on loopback: thousands in 0.6 s
      expect(r.sent - r.received).toBeLessThanOrEqual(3 * 8); // at most a window per publisher in flight
      expect(r.forgiven + r.errors + r.acksRefused).toBe(0);
    } finally {
      await broker.close('shutdown');
    }
  });

  it('reports a refused login instead of running', async () => {
    const broker = new Broker({ tokens: new MemoryTokenStore() });
    const port = await broker.listen({ port: 0, host: '127.0.0.1' });
    try {
      const load = new NativeLoad([{ protocol: 'hypertcp', port, id: 'x', token: 'wrong' }], { kind: 'rate', perSecond: 1 }, bin);
      await expect(load.ready(10_000)).rejects.toThrow(/x: login refused, status 9/);
      await load.close();
    } finally {
      await broker.close('shutdown');
    }
  });

  it.skipIf(noHeaders !== null)('the C++ forwarder addon (the bench\'s "native" row) routes and acks every message on its thread', async () => {
    const addon = buildForwarderAddon(path.join(dir, 'forwarder.node'));
    // in a child: the forwarder's thread lives as long as its process
    const script = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addon)}); console.log(m.exports.listen()); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
        child.once('exit', (code) => reject(new Error(`forwarder child exited with ${code}`)));
      });
      expect(port).toBeGreaterThan(0);
      const base = { protocol: 'hypertcp' as const, port };
      const clients: WorkerClient[] = [{ ...base, id: 'sink', token: 'sink' }, ...[0, 1].map((src) => ({ ...base, id: `pub-${src}`, token: `pub-${src}`, sendTo: 'sink', src }))];
      const r = await run(clients, 200, 800);
      expect(r.sent).toBeGreaterThan(200);
      expect(r.received).toBeGreaterThanOrEqual(r.sent - 5);
      expect(r.acksOk).toBeGreaterThanOrEqual(r.sent - 5);
      expect(r.acksRefused + r.errors).toBe(0);
    } finally {
      child.kill();
    }
  }, 60_000);

  it('speaks MQTT QoS 1 to Aedes: subscribes, publishes, PUBACKs both ways', async () => {
    const aedes = await Aedes.createBroker();
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const base = { protocol: 'mqtt' as const, port, qos: 1 as const };
      const r = await run([{ ...base, id: 'sink', subscribe: 'bench/sink' }, { ...base, id: 'pub-0', sendTo: 'bench/sink', src: 0 }], 200, 800);
      expect(r.sent).toBeGreaterThan(100);
      expect(r.received).toBeGreaterThanOrEqual(r.sent - 5);
      expect(r.acksOk).toBeGreaterThanOrEqual(r.sent - 5);
      expect(r.errors).toBe(0);
    } finally {
      server.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
  });
});
