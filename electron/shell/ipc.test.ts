import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { bindApi, CHANNELS, type ApiServerLike } from './ipc';
import { FakeIpcMain, FakeWebContents } from './fake-electron';
import { appOrigin } from './trust';
import { buildBridge, type IpcRendererLike } from './bridge';
import { methodNames, type DeviceSummary, type EventBatch } from '../../shared/api/contract';
import { createApiServer } from '../api/server';
import type { HubDelta } from '../hub/hub';

const indexHtml = '/opt/app/dist/renderer/index.html';
const appUrl = 'app://panel/index.html';

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
  const binding = bindApi(ipc, api, appOrigin({ indexHtml }), () => main, () => undefined);
  return { ipc, main, binding, calls, acks, listeners };
}

const foreign = (main: FakeWebContents) => ({
  'another file': main.frame('file:///etc/passwd'),
  'our page over file://': main.frame(pathToFileURL(indexHtml).href),
  'another app:// page': main.frame('app://panel/other.html'),
  'another app:// host': main.frame('app://evil/index.html'),
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
    const { ipc, main, calls, acks, binding, listeners } = setup();
    const cases = Object.entries(foreign(main));
    for (const [, event] of cases) {
      await expect(ipc.invoke(CHANNELS.call, event, 'devices.list', {})).rejects.toThrow(/forbidden/);
      ipc.send(CHANNELS.ack, event, 1);
      ipc.send(CHANNELS.subscribe, event);
    }
    expect(calls).toEqual([]);
    expect(acks).toEqual([]);
    expect(listeners.size).toBe(0);
    expect(binding.refused).toBe(cases.length * 3);
    // The renderer-to-main channels are exactly these three; all were exercised above.
    expect([...ipc.handlers.keys(), ...ipc.listeners.keys()].sort()).toEqual([CHANNELS.ack, CHANNELS.call, CHANNELS.subscribe].sort());
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
    expect(ipc.listeners.get(CHANNELS.subscribe)).toEqual([]);
  });
});

/**
 * The page, its preload bridge and the main side wired as in the app (the real EventPump behind):
 * the renderer's connectStore registers onEvents, then takes its snapshot (devices.list); the main
 * process's 'did-finish-load' comes after both.
 */
describe('live events from the first snapshot on', () => {
  function world() {
    const devices = new Map<string, DeviceSummary>();
    let changed: string[] = [];
    const summary = (id: string, online: boolean) => ({ id, online }) as DeviceSummary;
    const delta = (): HubDelta => {
      const d = { devices: changed, removedDevices: [], traffic: [], trafficSkipped: 0, counters: null, metrics: null, deviceRates: null, controlResults: [], notices: [] };
      changed = [];
      return d as unknown as HubDelta;
    };
    const server = createApiServer(
      { 'devices.list': () => [...devices.values()] } as never,
      { takeDelta: delta, device: (id) => devices.get(id) ?? null, markShown: () => undefined },
      { intervalMs: 60_000 },
    );
    server.pump.stop(); // ticks by hand
    const ipc = new FakeIpcMain();
    const main = new FakeWebContents();
    main.url = appUrl;
    bindApi(ipc, server, appOrigin({ indexHtml }), () => main, () => undefined);
    /** A page load: its own preload bridge over the main window's IPC. */
    const page = () => {
      const renderer: IpcRendererLike = {
        invoke: (channel, ...args) => ipc.invoke(channel, main.frame(), ...args),
        send: (channel, ...args) => ipc.send(channel, main.frame(), ...args),
        on: () => undefined,
        removeListener: () => undefined,
      };
      return buildBridge(renderer, methodNames);
    };
    const change = (id: string, online: boolean) => {
      devices.set(id, summary(id, online));
      changed.push(id);
    };
    const received = () => main.sent.filter(([ch]) => ch === CHANNELS.events).map(([, batch]) => batch as EventBatch);
    return { server, main, page, change, received };
  }

  it('a change between the snapshot and the page having loaded reaches the page', async () => {
    const { server, main, page, change, received } = world();
    change('lamp-1', true);
    const bridge = page();
    bridge.onEvents(() => undefined); // connectStore: listen, then hydrate
    expect(await bridge['devices.list']({})).toEqual([{ id: 'lamp-1', online: true }]);
    change('lamp-1', false); // after the snapshot...
    server.pump.tick(); // ...and a tick before 'did-finish-load'
    main.emit('did-finish-load');
    server.pump.tick();
    expect(received().flatMap((b) => b.devices ?? [])).toEqual([{ id: 'lamp-1', online: false }]);
  });

  it("a reloaded page gets the changes after its own snapshot at once, not after the old page's ack timeout", async () => {
    const { server, page, change, received } = world();
    page().onEvents(() => undefined);
    change('lamp-1', true);
    server.pump.tick(); // sent to the first page, never acked: it is reloading
    expect(received()).toHaveLength(1);
    const reloaded = page();
    reloaded.onEvents(() => undefined);
    await reloaded['devices.list']({});
    change('lamp-2', true);
    server.pump.tick();
    expect(received().at(-1)?.devices).toEqual([{ id: 'lamp-2', online: true }]);
  });

  it('a second listener on the same page does not replace its subscription (and lose what it holds)', () => {
    const { server, page, change, received } = world();
    const bridge = page();
    bridge.onEvents(() => undefined);
    change('lamp-1', true);
    server.pump.tick(); // in flight, not acked yet
    change('lamp-2', true);
    server.pump.tick(); // held for the ack, merged
    bridge.onEvents(() => undefined);
    server.ack(received().at(-1)!.seq);
    server.pump.tick();
    expect(received().flatMap((b) => b.devices ?? []).map((d) => d.id)).toEqual(['lamp-1', 'lamp-2']);
  });
});
