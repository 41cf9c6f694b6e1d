import { afterAll, describe, expect, it, vi } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { KeyValue, SCHEMA_VERSION, openDatabase } from './db';
import { csvCell } from '../../shared/csv';
import { trafficCsv, trafficJsonl } from './export';
import { Flusher } from './flusher';
import { CommandStore, expandTemplate } from './saved-commands';
import { defaultSettings } from '../../shared/api/contract';
import { SettingsStore } from './settings';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('SqliteTokenStore', () => {
  it("does not write the old token's last use onto a rotated token", () => {
    const db = openDatabase(`${tmp.dir}/rotate-used.db`);
    const store = new SqliteTokenStore(db);
    const token = store.create('lamp');
    expect(store.verify(token)).toBe('lamp'); // a use, waiting for the next flush
    store.rotate('lamp');
    store.flushUsage();
    expect(store.list()[0]!.lastUsedAt).toBeNull();
    expect(db.prepare('SELECT last_used_at FROM tokens').get()).toEqual({ last_used_at: null });
    db.close();
  });

  it('a rotate or revoke whose write fails (a full disk) changes nothing: memory and disk agree', () => {
    const path = `${tmp.dir}/failing-writes.db`;
    const db = openDatabase(path);
    const store = new SqliteTokenStore(db);
    const token = store.create('lamp');
    db.exec("CREATE TRIGGER full_disk BEFORE UPDATE ON tokens BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    expect(() => store.revoke('lamp')).toThrow(/disk is full/);
    expect(() => store.rotate('lamp')).toThrow(/disk is full/);
    expect(store.verify(token)).toBe('lamp'); // still the token the database holds
    expect(new SqliteTokenStore(db).verify(token)).toBe('lamp'); // as after a restart
    expect(store.status('lamp')).toBe('active');
    db.exec('DROP TRIGGER full_disk');
    expect(store.revoke('lamp')).toBe(true);
    expect(store.verify(token)).toBeNull();
    db.close();
  });

  it('issues tokens only for valid device ids, whoever calls (ids go into envelopes unescaped)', () => {
    const db = openDatabase(`${tmp.dir}/ids.db`);
    const store = new SqliteTokenStore(db);
    for (const bad of ['', 'a"b', 'x","payload":{}', 'a b', 'é', 'x'.repeat(65)]) {
      expect(() => store.create(bad), bad).toThrow(/invalid device id/);
      expect(() => store.rotate(bad), bad).toThrow(/invalid device id/);
    }
    expect(store.list()).toEqual([]);
    expect(store.verify(store.create('x'.repeat(64)))).toBe('x'.repeat(64));
    db.close();
  });

  it('stores hashes only, verifies, rotates, revokes, and persists', () => {
    const path = `${tmp.dir}/t.db`;
    const db = openDatabase(path);
    const store = new SqliteTokenStore(db);
    const token = store.create('lamp');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(() => store.create('lamp')).toThrow(/already exists/);
    const stored = db.prepare('SELECT * FROM tokens').all() as Record<string, unknown>[];
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(store.verify(token)).toBe('lamp');
    expect(store.verify(token + 'x')).toBeNull();
    expect(store.verify('')).toBeNull();
    const rotated = store.rotate('lamp');
    expect(store.verify(token)).toBeNull();
    expect(store.verify(rotated)).toBe('lamp');
    store.flushUsage();
    db.close();

    const db2 = openDatabase(path);
    const again = new SqliteTokenStore(db2);
    expect(again.verify(rotated)).toBe('lamp');
    expect(again.list()[0]).toMatchObject({ id: 'lamp', revokedAt: null });
    expect(again.list()[0]!.lastUsedAt).toBeGreaterThan(0);
    expect(again.revoke('lamp')).toBe(true);
    expect(again.revoke('lamp')).toBe(false);
    expect(again.verify(rotated)).toBeNull();
    expect(again.has('lamp')).toBe(false);
    expect(again.status('lamp')).toBe('revoked');
    db2.close();
  });
});

describe('SqliteTokenStore in a flusher round that rolls back', () => {
  it('keeps the last-used times the round took, under a newer one recorded since, and the next round writes them', () => {
    const db = openDatabase(`${tmp.dir}/t-rollback.db`);
    const store = new SqliteTokenStore(db);
    const flusher = new Flusher(db);
    const failing = { on: true };
    flusher.add('tokens', () => store.flushUsage(), (committed) => store.settleUsage(committed));
    // a later task of the same round fails (a full disk, a broken write): the whole round rolls back
    flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    const lastUsed = () => Object.fromEntries(db.prepare<[], { id: string; last_used_at: number | null }>('SELECT id, last_used_at FROM tokens').all().map((r) => [r.id, r.last_used_at]));
    const lamp = store.create('lamp');
    const fan = store.create('fan');
    const clock = vi.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(1_000);
      expect(store.verify(lamp)).toBe('lamp');
      expect(store.verify(fan)).toBe('fan');
      flusher.flush();
      expect(flusher.lastError?.message).toBe('disk I/O error');
      expect(lastUsed()).toEqual({ lamp: null, fan: null });

      // the lamp logs in again between the rounds: its newer time is the one written
      clock.mockReturnValue(2_000);
      expect(store.verify(lamp)).toBe('lamp');
      failing.on = false;
      flusher.flush();
      expect(lastUsed()).toEqual({ lamp: 2_000, fan: 1_000 });
    } finally {
      clock.mockRestore();
    }
    db.close();
  });
});

describe('database and settings', () => {
  it('migrates to the current schema and refuses a newer one', () => {
    const path = `${tmp.dir}/s.db`;
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer than this app/);
  });

  it('settings merge over defaults, validate, persist, and ignore corrupt stored values', () => {
    const db = openDatabase(`${tmp.dir}/set.db`);
    const kv = new KeyValue(db);
    const s = new SettingsStore(kv);
    expect(s.get()).toEqual(defaultSettings);
    expect(() => s.save({ retentionDays: 0 })).toThrow();
    s.save({ retentionDays: 9, theme: 'dark' });
    expect(new SettingsStore(kv).get()).toMatchObject({ retentionDays: 9, theme: 'dark' });
    kv.set('settings', '{"retentionDays":"nine","theme":"dark","junk":1}');
    expect(new SettingsStore(kv).get()).toMatchObject({ retentionDays: defaultSettings.retentionDays, theme: 'dark' });
    kv.set('settings', 'not json');
    expect(new SettingsStore(kv).get()).toEqual(defaultSettings);
    db.close();
  });
});

describe('saved commands, history, audit', () => {
  it('expands {{ts}} {{uuid}} {{device}} JSON-safely and scopes by device or kind', () => {
    const out = expandTemplate('{"at":{{ts}},"id":"{{uuid}}","to":"{{ device }}","keep":"{{other}}"}', { device: 'a"b', now: 42 });
    const parsed = JSON.parse(out) as Record<string, string>;
    expect(parsed).toMatchObject({ at: 42, to: 'a"b', keep: '{{other}}' });
    expect(parsed.id).toMatch(/^[0-9a-f-]{36}$/);

    const db = openDatabase(`${tmp.dir}/c.db`);
    const c = new CommandStore(db);
    c.save({ id: 'any', name: 'Ping all', scope: null, template: '{"cmd":"ping"}' });
    c.save({ id: 'lamp', name: 'Lamp on', scope: 'lamp-1', template: '{}' });
    c.save({ id: 'relays', name: 'Relays off', scope: 'kind:relay', template: '{}' });
    expect(c.list('lamp-1', ['relay']).map((x) => x.id).sort()).toEqual(['any', 'lamp', 'relays']);
    expect(c.list('fan-1', ['sensor']).map((x) => x.id)).toEqual(['any']);
    expect(c.delete('lamp')).toBe(true);
    expect(c.delete('lamp')).toBe(false);
    c.addHistory({ ts: 1, target: 'a', payload: '{}', status: 'sent', error: null });
    c.addHistory({ ts: 2, target: 'b', payload: '{}', status: 'failed', error: 'target_offline' });
    expect(c.history(10).map((h) => h.target)).toEqual(['b', 'a']);
    c.audit('token.create', 'a');
    expect(c.auditLog(5)[0]).toMatchObject({ action: 'token.create', target: 'a' });
    db.close();
  });
});

describe('export', () => {
  const row: TrafficRow = { seq: 1, ts: 0, dir: 'in', device: 'a', from: 'a', to: 'server', cmd: 30, msgId: 7, size: 20, status: 200, payload: '{"x":"a,b\\"c"}', cut: false };
  it('writes CSV with quoting and formula neutralising, and JSONL', () => {
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    for (const formula of ['+1+cmd', '-2+3+cmd|x', '-cmd', '@SUM(A1)', '\tx', '-1e3+1']) expect(csvCell(formula)).toBe(`'${formula}`);
    for (const plain of ['-54', '-1.5', '-2e-3', '42', 'a-b']) expect(csvCell(plain)).toBe(plain);
    expect(csvCell('a,b')).toBe('"a,b"');
    const csv = trafficCsv([row]);
    expect(csv.rows).toBe(1);
    expect(csv.content).toBe('seq,time,dir,device,from,to,cmd,msgId,size,status,cut,payload\n1,1970-01-01T00:00:00.000Z,in,a,a,server,JSON_MESSAGE,7,20,200,false,"{""x"":""a,b\\""c""}"\n');
    const capped = trafficCsv([row, row, row], { maxChars: 200 });
    expect(capped).toMatchObject({ rows: 1, truncated: true });
    expect(capped.content.length).toBeLessThanOrEqual(200);
    const jsonl = trafficJsonl([row, row]);
    expect(jsonl.rows).toBe(2);
    expect(JSON.parse(jsonl.content.split('\n')[0]!)).toMatchObject({ seq: 1, cmdName: 'JSON_MESSAGE', payload: row.payload });
  });
});
