import { describe, expect, it } from 'vitest';
import { methodNames } from '../../shared/api/contract';
import { ApiFailure, createDispatcher, type Handlers } from './dispatcher';

const calls: string[] = [];
const handlers = Object.fromEntries(methodNames.map((m) => [m, (p: unknown) => (calls.push(m), { echo: p })])) as unknown as Handlers;

describe('API dispatcher: every method validated at the boundary', () => {
  const dispatch = createDispatcher(handlers);

  it.each(methodNames)('%s rejects non-object params and unknown keys without running the handler', async (method) => {
    const before = calls.length;
    for (const junk of ['junk', 42, [1], true]) {
      const r = await dispatch(method, junk);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('invalid_params');
      expect(!r.ok && r.error.message).toMatch(new RegExp(`^${method.replace('.', '\\.')}: `));
    }
    const extra = await dispatch(method, { zzz_unknown: 1 });
    expect(!extra.ok && extra.error.message).toContain('zzz_unknown');
    expect(calls.length).toBe(before);
  });

  it('names the field, the rule and caps the list of issues', async () => {
    const r = await dispatch('broker.redirect', { device: '', host: '', port: 70000 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    const msg = !r.ok ? r.error.message : '';
    expect(msg).toMatch(/^broker\.redirect: /);
    expect(msg).toContain('host:');
    expect(msg).toContain('port:');
    const many = await dispatch('settings.save', { settings: { tcpPort: -1, udpPort: -1, tlsPort: -1, maxPayload: 1, keepaliveSeconds: 0, retentionDays: 0, theme: 'pink' } });
    expect(!many.ok && many.error.message).toMatch(/\(and \d+ more\)$/);
  });

  it('passes parsed params with defaults to the handler', async () => {
    const r = await dispatch('traffic.page', {});
    expect(r).toEqual({ ok: true, result: { echo: { query: '', limit: 200 } } });
    expect(await dispatch('hello', undefined)).toEqual({ ok: true, result: { echo: {} } });
  });

  it('telemetry.series: needs a valid device and a known range; channel is optional and bounded', async () => {
    expect(await dispatch('telemetry.series', { device: 'greenhouse-1', range: '24h' })).toEqual({ ok: true, result: { echo: { device: 'greenhouse-1', range: '24h' } } });
    expect(await dispatch('telemetry.series', { device: 'greenhouse-1', channel: 'temp', range: '30d' })).toMatchObject({ ok: true });
    for (const bad of [{ range: '1h' }, { device: 'bad id!', range: '1h' }, { device: 'gh', range: '2d' }, { device: 'gh', channel: '', range: '1h' }, { device: 'gh', channel: 'c'.repeat(33), range: '1h' }]) {
      const r = await dispatch('telemetry.series', bad);
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
  });

  it('devices.forget: deleteHistory is an optional boolean', async () => {
    expect(await dispatch('devices.forget', { id: 'lamp' })).toEqual({ ok: true, result: { echo: { id: 'lamp' } } });
    expect(await dispatch('devices.forget', { id: 'lamp', deleteHistory: true })).toEqual({ ok: true, result: { echo: { id: 'lamp', deleteHistory: true } } });
    for (const bad of ['yes', 1, null]) {
      const r = await dispatch('devices.forget', { id: 'lamp', deleteHistory: bad });
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      expect(!r.ok && r.error.message).toMatch(/^devices\.forget: deleteHistory: /);
    }
  });

  it('broker.redirect: the host is a name or an IP literal, nothing a device would choke on', async () => {
    for (const host of ['10.0.0.5', 'broker.lan', 'fd00::5', 'my-broker-2.example.org']) {
      expect(await dispatch('broker.redirect', { device: '*', host, port: 8080 }), host).toMatchObject({ ok: true });
    }
    for (const host of ['a b', 'x\u0000y', 'h"ost', 'host/path', 'user@host', 'tab\there', '[::1]']) {
      expect(await dispatch('broker.redirect', { device: '*', host, port: 8080 }), host).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
  });

  it('turns handler failures into typed errors and never throws', async () => {
    const failing = createDispatcher(
      { ...handlers, hello: () => { throw new ApiFailure('conflict', 'nope'); }, 'devices.list': () => { throw new Error('disk on fire'); } } as Handlers,
    );
    expect(await failing('hello', {})).toEqual({ ok: false, error: { code: 'conflict', message: 'nope' } });
    expect(await failing('devices.list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'devices.list failed: disk on fire' } });
    expect(await failing('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await failing('constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await failing(42 as unknown as string, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });
});

describe('API dispatcher: params the schema check itself cannot handle', () => {
  const dispatch = createDispatcher(handlers);
  // 60 KB of JSON (under the WebSocket's 64 KiB cap) that parses fine but is too deep for JSON.stringify
  const deep = () => JSON.parse(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`) as unknown;
  const cyclic = () => {
    const o: Record<string, unknown> = {};
    o.self = o; // what structured clone (Electron IPC) can deliver
    return o;
  };

  it.each([
    ['messages.send', () => ({ to: 'lamp', payload: deep() })],
    ['messages.broadcast', () => ({ payload: deep() })],
    ['messages.send', () => ({ to: 'lamp', payload: cyclic() })],
  ] as const)('%s: a payload too deep or cyclic to measure is invalid_params, not a rejected promise', async (method, params) => {
    const before = calls.length;
    const r = await dispatch(method, params()).catch((err: unknown) => ({ rejected: String(err) }));
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(calls.length).toBe(before);
  });
});
