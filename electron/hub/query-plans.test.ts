import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from './db';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-plans-');
afterAll(() => tmp.cleanup());

/** Every statement the code under `during` runs, by its SQL (better-sqlite3's Statement methods, watched). */
function statementsRun(during: () => void): string[] {
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
  const seen = new Set<string>();
  const originals = Object.fromEntries(['run', 'get', 'all', 'iterate'].map((m) => [m, proto[m]!]));
  for (const [m, original] of Object.entries(originals)) {
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      seen.add(this.source);
      return original.apply(this, args);
    };
  }
  try {
    during();
  } finally {
    Object.assign(proto, originals);
  }
  return [...seen];
}

/** SQLite's plan for `sql`, its parameters bound to null. */
function plan(db: Db, sql: string): string[] {
  const named = [...sql.matchAll(/[@:$](\w+)/g)].map((m) => m[1]!);
  const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const args = named.length > 0 ? [Object.fromEntries(named.map((n) => [n, null]))] : Array((sql.match(/\?/g) ?? []).length).fill(null);
  return (explain.all(...args) as { detail: string }[]).map((r) => r.detail);
}

const GROWING = ['traffic', 'telemetry_minute', 'metrics_minute'];

describe('the hub on a real SQLite file', () => {
  it('never scans a whole growing table in a write round, a retention step or the Storage figures (a bounded LIMIT walk is fine)', async () => {
    const { db, tokens, hub, messageFrom } = hubOnFile(`${tmp.dir}/plans.db`);
    const token = tokens.create('lamp');
    const now = Date.now();
    expect(tokens.verify(token)).toBe('lamp');
    hub.registry.sessionOpened({ id: 'lamp', address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });

    const sqls = statementsRun(() => {
      // a whole minute of traffic, then one in the next: the metrics minute closes and is queued
      const minute = Math.floor(now / 60_000) * 60_000 - 10 * 60_000;
      for (let i = 0; i < 50; i++) messageFrom('lamp', minute + i * 1000);
      messageFrom('lamp', minute + 60_000);
      hub.metrics.tick(minute + 61_000);
      hub.onServerMessage('lamp', Buffer.from('{"telemetry":{"temp":21.5}}'));
      hub.telemetry.tick(now + 60_000);
      hub.flusher.flushAll();
      hub.applyRetention(now, true);
      hub.storage();
    });
    // the watch saw the round's writes, the retention step and the Storage figures
    for (const seen of [/INSERT INTO traffic/, /INSERT INTO telemetry_minute/, /INSERT OR REPLACE INTO metrics_minute/, /UPDATE tokens/, /FROM telemetry_minute WHERE id < \? AND ts >= \?/, /SELECT ts FROM traffic ORDER BY seq LIMIT 1/]) {
      expect(sqls.some((sql) => seen.test(sql)), String(seen)).toBe(true);
    }
    const scans = sqls.flatMap((sql) =>
      plan(db, sql)
        .filter((d) => GROWING.some((t) => new RegExp(`^SCAN ${t}\\b`).test(d)) && !/\bLIMIT\b/i.test(sql))
        .map((d) => `${d}: ${sql}`),
    );
    expect(scans).toEqual([]);
    await hub.close();
    db.close();
  });

  it("reads a device page's recent traffic through the device index, not a walk of everyone's rows", async () => {
    const { db, hub, messageFrom } = hubOnFile(`${tmp.dir}/recent.db`);
    const sqls = statementsRun(() => {
      messageFrom('lamp', Date.now());
      hub.flusher.flushAll();
      expect(hub.log.recentOf('lamp', 50)).toHaveLength(1);
    });
    const recent = sqls.filter((sql) => /FROM traffic WHERE device = \?/.test(sql));
    expect(recent).toHaveLength(1);
    expect(plan(db, recent[0]!)).toEqual([expect.stringMatching(/^SEARCH traffic USING INDEX traffic_device \(device=\?\)/)]);
    await hub.close();
    db.close();
  });
});
