/**
 * Where the event loop's time goes when the hub writes under load: 20,000 msg/s from 20 devices
 * into a real SQLite file with a small retention budget (so retention deletes all the time).
 * Prints the flusher's round histogram and slowest rounds (per task + commit), the retention
 * calls' durations, and the event loop's delay percentiles.
 *   node --import tsx electron/hub/testing/flush-probe.ts [seconds=60] [retentionMB=8]
 * To compare: PROBE_CHECKPOINT_MS=0 (checkpoints back inside commits), PROBE_AUTOCHECKPOINT=pages,
 * PROBE_CHUNK=rows (flush and retention chunk sizes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Command } from '../../../shared/protocol/constants';
import { KeyValue, openDatabase } from '../db';
import { Hub } from '../hub';
import { SettingsStore } from '../settings';
import { SqliteTokenStore } from '../token-store';
import { StandInBroker } from './stand-in-broker';

const seconds = Number(process.argv[2] ?? 60);
const retentionMB = Number(process.argv[3] ?? 8);
const RATE = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'hypertcp-flush-probe-'));
const db = openDatabase(join(dir, 'probe.db'));
if (process.env.PROBE_AUTOCHECKPOINT) db.pragma(`wal_autocheckpoint = ${Number(process.env.PROBE_AUTOCHECKPOINT)}`);
const broker = new StandInBroker();
const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db), { retentionMegabytes: retentionMB }), retentionEveryMs: 1000, ...(process.env.PROBE_CHUNK ? { retentionChunkRows: Number(process.env.PROBE_CHUNK), flushChunkRows: Number(process.env.PROBE_CHUNK) } : {}), checkpointEveryMs: process.env.PROBE_CHECKPOINT_MS === undefined ? undefined : Number(process.env.PROBE_CHECKPOINT_MS) });

// Time every retention call (it runs from the hub's tick and its continuations).
const retention: { ms: number; deleted: number }[] = [];
const apply = hub.log.applyRetention.bind(hub.log);
hub.log.applyRetention = (...args) => {
  const t0 = performance.now();
  const r = apply(...args);
  retention.push({ ms: performance.now() - t0, deleted: r.deleted });
  return r;
};

hub.start();
for (let i = 0; i < 20; i++) broker.emit('session:open', { id: `d${i}`, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: 1 });
const big = Buffer.from(JSON.stringify({ targetId: 'server', payload: { blob: 'b'.repeat(16_000) } }));
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const started = Date.now();
let sent = 0;
const loop = () => {
  const due = Math.floor(((Date.now() - started) / 1000) * RATE);
  for (; sent < due; sent++) {
    const payload = sent % 1000 === 999 ? big : Buffer.from(`{"targetId":"server","payload":{"telemetry":{"n":${sent}}}}`);
    broker.emit('frame', { ts: Date.now(), dir: 'in', device: `d${sent % 20}`, from: `d${sent % 20}`, to: 'server', cmd: Command.JSON_MESSAGE, msgId: sent & 0xffff, size: payload.length, status: 200, payload });
  }
  hub.takeDelta();
  if (Date.now() - started < seconds * 1000) setTimeout(loop, 10);
  else void finish();
};

async function finish(): Promise<void> {
  loopDelay.disable();
  const elapsed = (Date.now() - started) / 1000;
  const s = hub.flusher.stats();
  const ms = (n: number) => Math.round(n * 10) / 10;
  console.log(`sent ${sent} in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s), logged ${hub.log.counters.logged}, dropped ${hub.log.counters.dropped}, stored ${(hub.log.storedBytes / 1048576).toFixed(1)} MB`);
  console.log(`flush rounds ${s.flushes}, max ${ms(s.maxFlushMs)} ms; histogram (<= ms: rounds): ${s.histogram.filter((b) => b.count).map((b) => `${b.le}: ${b.count}`).join(', ')}`);
  console.log('slowest rounds (ms):');
  for (const r of s.slowest) console.log(`  total ${ms(r.totalMs)}  commit ${ms(r.commitMs)}  ${Object.entries(r.tasks).map(([k, v]) => `${k} ${ms(v)}`).join('  ')}`);
  const sorted = [...retention].sort((a, b) => b.ms - a.ms);
  const total = retention.reduce((a, r) => a + r.deleted, 0);
  console.log(`retention calls ${retention.length}, rows deleted ${total}, time ${ms(retention.reduce((a, r) => a + r.ms, 0))} ms; slowest: ${sorted.slice(0, 8).map((r) => `${ms(r.ms)} ms/${r.deleted} rows`).join(', ')}`);
  const p = (q: number) => ms(loopDelay.percentile(q) / 1e6);
  console.log('checkpointer:', JSON.stringify(hub.checkpointer.stats));
  console.log(`event loop delay: p50 ${p(50)} ms, p99 ${p(99)} ms, p99.9 ${p(99.9)} ms, max ${ms(loopDelay.max / 1e6)} ms`);
  await hub.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
loop();
