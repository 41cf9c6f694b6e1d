import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { eventually } from '../broker/testing/fixtures';
import { V2Client } from '../broker/testing/v2-client';
import { startCore } from '../core';
import type { BrokerFrameEvent } from './broker-port';
import { KeyValue, openDatabase } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

/**
 * 20,000 msg/s into the hub (ring + SQLite log + metrics + registry) for HUB_LOAD_SECONDS
 * (default 10 s in the unit suite; the full minute: HUB_LOAD_SECONDS=60 npx vitest run
 * electron/hub/traffic-load.test.ts). Memory must stay bounded and retention by size must hold.
 */
const SECONDS = Number(process.env.HUB_LOAD_SECONDS ?? 10);
const RATE = 20_000;
const RETENTION_MB = 8;

const tmp = tempDir('hypertcp-load-');
afterAll(() => tmp.cleanup());

describe(`traffic under ${RATE} msg/s for ${SECONDS} s`, () => {
  it('keeps every message (log, counters), memory bounded and the log within its size budget', async () => {
    const dbPath = `${tmp.dir}/load.db`;
    const db = openDatabase(dbPath);
    const settings = new SettingsStore(new KeyValue(db), { retentionMegabytes: RETENTION_MB });
    const broker = new StandInBroker();
    const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings, retentionEveryMs: 1000 });
    hub.start();
    const devices = Array.from({ length: 20 }, (_, i) => `dev-${i}`);
    for (const id of devices) broker.emit('session:open', { id, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: Date.now(), rttMs: 3 });

    const big = Buffer.from(JSON.stringify({ targetId: 'server', payload: { blob: 'b'.repeat(16_000) } }));
    let sent = 0;
    let maxHeap = 0;
    let maxRss = 0;
    let maxQueued = 0;
    let maxDbBytes = 0;
    const started = Date.now();
    const heapStart = process.memoryUsage().heapUsed;
    const cpuStart = process.cpuUsage();
    // Feed in 10 ms slices, catching up to RATE x elapsed, like a busy broker would.
    while (Date.now() - started < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (; sent < due; sent++) {
        const device = devices[sent % devices.length]!;
        const payload = sent % 1000 === 999 ? big : Buffer.from(`{"targetId":"server","payload":{"telemetry":{"temp":${(sent % 300) / 10},"n":${sent}}}}`);
        const ev: BrokerFrameEvent = { ts: Date.now(), dir: 'in', device, from: device, to: 'server', cmd: Command.JSON_MESSAGE, msgId: sent & 0xffff, size: payload.length, status: 200, payload };
        broker.emit('frame', ev);
      }
      if (sent % 20_000 < 250) {
        const mem = process.memoryUsage();
        maxHeap = Math.max(maxHeap, mem.heapUsed);
        maxRss = Math.max(maxRss, mem.rss);
        maxQueued = Math.max(maxQueued, hub.log.queued);
        maxDbBytes = Math.max(maxDbBytes, fileBytes(dbPath));
        hub.takeDelta();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    hub.flusher.flushAll();
    hub.applyRetention();
    const c = hub.log.counters;
    const rows = (db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
    const bigRow = db.prepare('SELECT size, length(payload) AS len, cut FROM traffic WHERE size > 16000 ORDER BY seq DESC LIMIT 1').get() as { size: number; len: number; cut: number };
    const numbers = {
      msgs: sent, seconds: elapsed.toFixed(1), ratePerSecond: Math.round(sent / elapsed), logged: c.logged, dropped: c.dropped, rowsKept: rows,
      storedMB: (hub.log.storedBytes / 1048576).toFixed(2), maxDbFileMB: (maxDbBytes / 1048576).toFixed(1), maxQueued,
      heapGrowthMB: ((maxHeap - heapStart) / 1048576).toFixed(1), maxRssMB: (maxRss / 1048576).toFixed(0), flushes: hub.flusher.flushes, maxFlushMs: Math.round(hub.flusher.maxFlushMs),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
    };
    console.log('traffic load:', JSON.stringify(numbers));

    expect(sent / elapsed).toBeGreaterThan(RATE * 0.9);
    expect(c.logged + c.dropped).toBe(sent);
    expect(c.dropped).toBe(0);
    expect(hub.registry.get('dev-0')!.counters.msgsIn).toBe(Math.ceil(sent / devices.length));
    expect(hub.log.storedBytes).toBeLessThanOrEqual(RETENTION_MB * 1048576);
    // Retention must have removed rows once more was written than the budget holds.
    if (sent * 170 > RETENTION_MB * 1048576) expect(rows).toBeLessThan(sent);
    expect(bigRow).toEqual({ size: big.length, len: big.length, cut: 0 });
    expect(maxQueued).toBeLessThanOrEqual(100_000);
    // Bounded: the queue and metrics are fixed-size; growth must not scale with messages sent.
    expect(maxHeap - heapStart).toBeLessThan(200 * 1048576);
    expect(maxDbBytes).toBeLessThan(4 * RETENTION_MB * 1048576 + 64 * 1048576);
    await hub.close();
    db.close();
  }, (SECONDS + 60) * 1000);
});

describe('through the real broker over TCP', () => {
  it('logs every message that 4 devices send at 20,000 msg/s in total for 3 s', async () => {
    const core = await startCore({
      dbPath: `${tmp.dir}/e2e.db`, tcpPort: 0, mode: 'headless',
      settingsOverrides: { rateLimitPerSecond: 1_000_000 },
      // RTT probe PINGs are logged rows too; this test counts exactly the devices' messages.
      broker: { limits: { rateBurst: 1_000_000 }, keepalive: { rttProbeMs: 0 } },
    });
    const clients: V2Client[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await V2Client.connect(core.tcpPort);
      expect(await c.login(core.tokens.create(`fast-${i}`))).toBe(200);
      clients.push(c);
    }
    let sent = 0;
    const started = Date.now();
    while (Date.now() - started < 3000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (; sent < due; sent++) clients[sent % 4]!.post('server', `{"telemetry":{"n":${sent}}}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const logged = await eventually(() => {
      core.hub.flusher.flushAll();
      return core.hub.log.counters.logged >= sent ? core.hub.log.counters.logged : null;
    }, 20_000, 'all messages logged');
    const elapsed = (Date.now() - started) / 1000;
    console.log('through broker:', JSON.stringify({ sent, logged, dropped: core.hub.log.counters.dropped, seconds: elapsed.toFixed(1), ratePerSecond: Math.round(sent / elapsed) }));
    expect(logged).toBe(sent);
    expect(core.hub.registry.get('fast-0')!.counters.msgsIn).toBe(Math.ceil(sent / 4));
    for (const c of clients) c.destroy();
    await core.close();
  }, 60_000);
});

function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      // not there yet
    }
  }
  return n;
}
