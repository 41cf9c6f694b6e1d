import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { bindApi, CHANNELS, type ApiServerLike } from './ipc';
import { FakeIpcMain, FakeWebContents } from './fake-electron';
import { appOrigin } from './trust';
import type { EventBatch } from '../../shared/api/contract';

const indexHtml = '/opt/app/dist/renderer/index.html';
const appUrl = pathToFileURL(indexHtml).href;

function setup() {
  const calls: [string, unknown][] = [];
  const acks: number[] = [];
  const listeners = new Set<(b: EventBatch) => void>();
  const api: ApiServerLike = {
    async dispatch(method, params) {
      calls.push([method, params]);
      return { ok: true, result: { echoed: method } };
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    ack: (seq) => void acks.push(seq),
  };
  const ipc = new FakeIpcMain();
  const main = new FakeWebContents();
  main.url = appUrl;
  const binding = bindApi(ipc, api, appOrigin({ indexHtml }), () => main.id, () => undefined);
  return { ipc, main, binding, calls, acks, listeners };
}

const foreign = (main: FakeWebContents) => ({
  'another file': main.frame('file:///etc/passwd'),
  'a web page': main.frame('https://evil.example/'),
  'a subframe': main.frame(appUrl, { url: appUrl, parent: null }),
  'another window': new FakeWebContents().frame(appUrl),
  'a destroyed frame': { sender: { id: main.id }, senderFrame: null },
});

describe('IPC binding', () => {
  it('forwards calls from our page to api.dispatch', async () => {
    const { ipc, main, calls } = setup();
    await expect(ipc.invoke(CHANNELS.call, main.frame(), 'devices.list', {})).resolves.toEqual({ ok: true, result: { echoed: 'devices.list' } });
    expect(calls).toEqual([['devices.list', {}]]);
  });

  it('answers an unknown method without reaching the API', async () => {
    const { ipc, main, calls } = setup();
    const reply = (await ipc.invoke(CHANNELS.call, main.frame(), '__proto__', {})) as { ok: boolean; error: { code: string } };
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(calls).toEqual([]);
  });

  it('every handler refuses a foreign sender frame', async () => {
    const { ipc, main, calls, acks, binding } = setup();
    const cases = Object.entries(foreign(main));
    for (const [, event] of cases) {
      await expect(ipc.invoke(CHANNELS.call, event, 'devices.list', {})).rejects.toThrow(/forbidden/);
      ipc.send(CHANNELS.ack, event, 1);
    }
    expect(calls).toEqual([]);
    expect(acks).toEqual([]);
    expect(binding.refused).toBe(cases.length * 2);
    // The renderer-to-main channels are exactly these two; both were exercised above.
    expect([...ipc.handlers.keys(), ...ipc.listeners.keys()].sort()).toEqual([CHANNELS.ack, CHANNELS.call].sort());
  });

  it('refuses everything while there is no main window', async () => {
    const calls: string[] = [];
    const ipc = new FakeIpcMain();
    const main = new FakeWebContents();
    main.url = appUrl;
    bindApi(ipc, { dispatch: async (m) => (calls.push(m), { ok: true, result: null }), subscribe: () => () => undefined, ack: () => undefined }, appOrigin({ indexHtml }), () => null, () => undefined);
    await expect(ipc.invoke(CHANNELS.call, main.frame(), 'hello', {})).rejects.toThrow(/forbidden/);
    expect(calls).toEqual([]);
  });

  it('forwards only sane acks', () => {
    const { ipc, main, acks } = setup();
    for (const seq of [3, -1, 1.5, '4', Number.MAX_VALUE, null]) ipc.send(CHANNELS.ack, main.frame(), seq);
    expect(acks).toEqual([3]);
  });

  it('pushes event batches to the attached contents, one subscription at a time', () => {
    const { main, binding, listeners } = setup();
    binding.attach(main);
    binding.attach(main); // a reload re-attaches
    expect(listeners.size).toBe(1);
    const batch: EventBatch = { seq: 1, ts: 0 };
    for (const l of listeners) l(batch);
    expect(main.sent).toEqual([[CHANNELS.events, batch]]);
    main.destroyed = true;
    for (const l of listeners) l(batch);
    expect(main.sent).toHaveLength(1);
    binding.detach();
    expect(listeners.size).toBe(0);
  });

  it('dispose removes its handlers', () => {
    const { ipc, binding } = setup();
    binding.dispose();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.listeners.get(CHANNELS.ack)).toEqual([]);
  });
});
