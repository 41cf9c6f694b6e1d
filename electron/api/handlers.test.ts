import { afterAll, describe, expect, it, vi } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../shared/protocol/envelope';
import { KeyValue, openDatabase } from '../hub/db';
import { Hub } from '../hub/hub';
import { SettingsStore } from '../hub/settings';
import { StandInBroker } from '../hub/testing/stand-in-broker';
import { tempDir } from '../hub/testing/temp-dir';
import { SqliteTokenStore } from '../hub/token-store';
import { createDispatcher } from './dispatcher';
import { createHandlers } from './handlers';

const tmp = tempDir('hypertcp-handlers-');
const db = openDatabase(`${tmp.dir}/h.db`);
const tokens = new SqliteTokenStore(db);
const settings = new SettingsStore(new KeyValue(db));
const broker = new StandInBroker();
const hub = new Hub({ db, broker, tokens, settings, flushMs: 60_000, checkpointEveryMs: 0, maxConversations: 3 });
const internal: string[] = [];
const dispatch = createDispatcher(
  createHandlers({ hub, broker, tokens, settings, hello: () => ({ version: 't', mode: 'headless', tcpPort: 0, udpPort: null, tlsPort: null, dataPath: 'js', dataPathNote: 'test host' }) }),
  (method) => internal.push(method),
);

afterAll(async () => {
  await hub.close();
  db.close();
  tmp.cleanup();
});

describe('saved commands through the API', () => {
  it('an empty id is refused (no call could run or delete a command saved under it); without one a new command gets an id', async () => {
    expect(await dispatch('saved.save', { id: '', name: 'ping', scope: null, template: '{"cmd":"ping"}' })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    const saved = await dispatch('saved.save', { name: 'ping', scope: null, template: '{"cmd":"ping"}' });
    expect(saved).toMatchObject({ ok: true });
    const id = saved.ok ? (saved.result as { id: string }).id : '';
    expect(id).not.toBe('');
    expect(await dispatch('saved.run', { id, to: 'lamp' })).toMatchObject({ ok: true });
    expect(await dispatch('saved.delete', { id })).toEqual({ ok: true, result: { deleted: true } });
  });

  it('a full list of saved commands is a conflict the user can act on, not an internal error', async () => {
    const existing = await dispatch('saved.save', { name: 'first', scope: null, template: '{"a":1}' });
    const firstId = existing.ok ? (existing.result as { id: string }).id : '';
    let last = existing;
    for (let i = 1; i < 1001 && last.ok; i++) last = await dispatch('saved.save', { name: `cmd ${i}`, scope: null, template: '{"a":1}' });
    expect(last).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/at most 1000 saved commands/) as unknown } });
    expect(internal).toEqual([]);
    // editing one that exists still works at the cap
    expect(await dispatch('saved.save', { id: firstId, name: 'first, renamed', scope: null, template: '{"a":2}' })).toMatchObject({ ok: true });
  });
});

describe('traffic.conversations', () => {
  const send = (from: string, target: string, status: number = Status.SUCCESS) => {
    const payload = encodeDeviceEnvelope(target, '{"v":1}');
    hub.onFrame({ ts: Date.now(), dir: 'in', device: from, from, to: null, cmd: Command.JSON_MESSAGE, msgId: 1, size: payload.length, status, payload });
  };

  it('answers pairs busiest first with errors, within the limit, and says how many were evicted', async () => {
    send('a', 'b');
    for (let i = 0; i < 3; i++) send('sensor', 'server');
    send('lamp', 'ghost', Status.TARGET_UNKNOWN);
    send('lamp', 'ghost');
    send('c', 'd'); // a fourth pair: the least recently seen (a -> b) makes room
    const r = await dispatch('traffic.conversations', { limit: 2 });
    expect(r).toMatchObject({
      ok: true,
      result: {
        rows: [
          { from: 'sensor', to: 'server', messages: 3, errors: 0 },
          { from: 'lamp', to: 'ghost', messages: 2, errors: 1 },
        ],
        pairs: 3,
        maxPairs: 3,
        evicted: 1,
      },
    });
    expect(r.ok && (r.result as { rows: { msgsPerSecond: number }[] }).rows[0]!.msgsPerSecond).toBeGreaterThan(0);
    // the limit defaults and is bounded 1..500
    expect(await dispatch('traffic.conversations', {})).toMatchObject({ ok: true, result: { rows: { length: 3 } } });
    for (const limit of [0, 501, 1.5]) expect(await dispatch('traffic.conversations', { limit })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
  });
});

describe('telemetry.recent', () => {
  const T = Date.UTC(2026, 0, 1, 12, 0, 0);
  const report = (id: string, at: number, telemetry: Record<string, unknown>) => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(at);
    try {
      hub.onServerMessage(id, Buffer.from(JSON.stringify({ telemetry })));
    } finally {
      now.mockRestore();
    }
  };

  it('answers the host\'s recent numeric readings per channel, one a second, oldest first', async () => {
    hub.registry.ensure('recent-sensor');
    report('recent-sensor', T, { temp: 20, mode: 'eco', hum: 50 });
    report('recent-sensor', T + 400, { temp: 99, hum: 99 }); // less than a second after: skipped
    report('recent-sensor', T + 1000, { temp: 21 });
    report('recent-sensor', T + 2500, { temp: 22, hum: 52 });
    expect(await dispatch('telemetry.recent', { device: 'recent-sensor' })).toEqual({
      ok: true,
      result: [
        { channel: 'temp', points: [{ ts: T, v: 20 }, { ts: T + 1000, v: 21 }, { ts: T + 2500, v: 22 }] },
        { channel: 'hum', points: [{ ts: T, v: 50 }, { ts: T + 2500, v: 52 }] },
      ],
    });
  });

  it('an unknown device is not_found, a bad id invalid_params; a known device without readings has none', async () => {
    expect(await dispatch('telemetry.recent', { device: 'nobody-here' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch('telemetry.recent', {})).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    hub.registry.ensure('quiet-sensor');
    expect(await dispatch('telemetry.recent', { device: 'quiet-sensor' })).toEqual({ ok: true, result: [] });
  });

  it('devices.forget drops the readings: a device that comes back starts with none', async () => {
    hub.registry.ensure('gone-sensor');
    report('gone-sensor', T, { temp: 5 });
    expect(await dispatch('telemetry.recent', { device: 'gone-sensor' })).toMatchObject({ ok: true, result: [{ channel: 'temp' }] });
    expect(await dispatch('devices.forget', { id: 'gone-sensor' })).toMatchObject({ ok: true });
    expect(await dispatch('telemetry.recent', { device: 'gone-sensor' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    hub.registry.ensure('gone-sensor');
    expect(await dispatch('telemetry.recent', { device: 'gone-sensor' })).toEqual({ ok: true, result: [] });
    report('gone-sensor', T + 5000, { temp: 6 });
    expect(await dispatch('telemetry.recent', { device: 'gone-sensor' })).toEqual({ ok: true, result: [{ channel: 'temp', points: [{ ts: T + 5000, v: 6 }] }] });
  });
});

describe('controls.set values', () => {
  const history = async () => {
    const r = await dispatch('history.list', { limit: 500 });
    return r.ok ? (r.result as unknown[]).length : -1;
  };

  it('a value is a JSON value of at most 16 KiB, like a message payload: refused before it is sent or kept in the history', async () => {
    hub.registry.ensure('relay-1');
    const sentBefore = broker.sent.length;
    const before = await history();
    expect(await dispatch('controls.set', { device: 'relay-1', control: 'on', value: 'x'.repeat(100_000) })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    // over IPC a BigInt arrives as is (structured clone): JSON.stringify threw inside the handler, an 'internal' error and a notice
    for (const value of [1n, { n: 1n }, Number.NaN, () => 1]) {
      expect(await dispatch('controls.set', { device: 'relay-1', control: 'on', value })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await dispatch('controls.set', { device: 'relay-1', control: 'on', value: cyclic })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(internal).toEqual([]);
    expect(broker.sent.length).toBe(sentBefore);
    expect(await history()).toBe(before);
    // what a panel sends still goes
    for (const value of [true, 42, 'on', null, { r: 255, g: 0, b: 0 }, 'x'.repeat(16_000)]) {
      expect(await dispatch('controls.set', { device: 'relay-1', control: 'on', value })).toMatchObject({ ok: true });
    }
    expect(await history()).toBe(before + 6);
  });
});
