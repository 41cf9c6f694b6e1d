import { describe, expect, it } from 'vitest';
import { buildBridge, type IpcRendererLike } from './bridge';
import { CHANNELS } from './channels';
import { methodNames } from '../../shared/api/contract';

function fakeIpc(reply: (method: unknown, params: unknown) => unknown) {
  const sent: unknown[][] = [];
  const on = new Map<string, ((e: unknown, ...a: unknown[]) => void)[]>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, method, params) => (channel === CHANNELS.call ? reply(method, params) : undefined),
    send: (...args) => void sent.push(args),
    on: (ch, l) => on.set(ch, [...(on.get(ch) ?? []), l]),
    removeListener: (ch, l) => on.set(ch, (on.get(ch) ?? []).filter((x) => x !== l)),
  };
  const emit = (ch: string, ...args: unknown[]) => (on.get(ch) ?? []).forEach((l) => l({ sender: 'ipc-event' }, ...args));
  return { ipc, sent, on, emit };
}

describe('preload bridge', () => {
  it('exposes one function per API method plus the three event helpers, nothing else', () => {
    const bridge = buildBridge(fakeIpc(() => null).ipc, methodNames);
    expect(Object.keys(bridge).sort()).toEqual([...methodNames, 'ackEvents', 'onEvents', 'onStatus'].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('resolves results and rejects API errors with the code in the message', async () => {
    const bridge = buildBridge(
      fakeIpc((method, params) =>
        method === 'hello' ? { ok: true, result: { version: '1', params } } : { ok: false, error: { code: 'not_found', message: 'no such device' } },
      ).ipc,
      methodNames,
    );
    await expect(bridge.hello({})).resolves.toEqual({ version: '1', params: {} });
    await expect(bridge['devices.get']({ id: 'x' })).rejects.toThrow('not_found: no such device');
  });

  it('rejects a malformed reply instead of returning it', async () => {
    const bridge = buildBridge(fakeIpc(() => 'surprise').ipc, methodNames);
    await expect(bridge.hello({})).rejects.toThrow(/malformed/);
  });

  it('passes event batches without the IPC event, and unsubscribes', () => {
    const f = fakeIpc(() => null);
    const bridge = buildBridge(f.ipc, methodNames);
    const got: unknown[][] = [];
    const off = bridge.onEvents((...args) => got.push(args));
    f.emit(CHANNELS.events, { seq: 1, ts: 2 });
    off();
    f.emit(CHANNELS.events, { seq: 2, ts: 3 });
    expect(got).toEqual([[{ seq: 1, ts: 2 }]]);
  });

  it("the page's first event listener subscribes it to the events, once", () => {
    const f = fakeIpc(() => null);
    const bridge = buildBridge(f.ipc, methodNames);
    expect(f.sent).toEqual([]);
    const off = bridge.onEvents(() => undefined);
    expect(f.sent).toEqual([[CHANNELS.subscribe]]);
    off();
    bridge.onEvents(() => undefined); // a second listener (React's strict mode mounts twice) keeps the subscription
    expect(f.sent).toEqual([[CHANNELS.subscribe]]);
  });

  it('sends integer acks only', () => {
    const f = fakeIpc(() => null);
    const bridge = buildBridge(f.ipc, methodNames);
    bridge.ackEvents(5);
    bridge.ackEvents(Number.NaN);
    bridge.ackEvents(1.5);
    expect(f.sent).toEqual([[CHANNELS.ack, 5]]);
  });

  it('reports open at once and later statuses from main', async () => {
    const f = fakeIpc(() => null);
    const bridge = buildBridge(f.ipc, methodNames);
    const got: unknown[][] = [];
    bridge.onStatus((...args) => got.push(args));
    await Promise.resolve();
    f.emit(CHANNELS.status, 'closed', 'shutdown');
    f.emit(CHANNELS.status, 'bogus');
    expect(got).toEqual([['open'], ['closed', 'shutdown']]);
  });
});
