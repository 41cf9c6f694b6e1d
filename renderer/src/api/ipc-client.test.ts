import { describe, expect, it, vi } from 'vitest';
import { createIpcClient, type HyperTcpBridge } from './ipc-client';
import { TEST_HELLO } from '../test-utils';

describe('IPC client over the preload bridge', () => {
  const bridge = (over: Partial<HyperTcpBridge> = {}): HyperTcpBridge => ({ onEvents: () => () => {}, ackEvents: vi.fn(), ...over });

  it('calls the verb and returns its result', async () => {
    const hello = vi.fn(async () => ({ ...TEST_HELLO, mode: 'desktop' as const }));
    const client = createIpcClient(bridge({ hello }));
    await expect(client.call('hello', {})).resolves.toMatchObject({ mode: 'desktop' });
    expect(hello).toHaveBeenCalledWith({});
  });

  it('recovers the error code from the "<code>: <message>" rejection', async () => {
    const client = createIpcClient(
      bridge({
        'devices.get': async () => {
          throw new Error("Error invoking remote method 'api:call': Error: not_found: no device x");
        },
      }),
    );
    await expect(client.call('devices.get', { id: 'x' })).rejects.toMatchObject({ code: 'not_found', message: 'no device x' });
    await expect(client.call('tokens.list', {})).rejects.toMatchObject({ code: 'unknown_method' });
  });

  it('reports open at once when the bridge has no status channel; passes acks on', () => {
    const b = bridge();
    const client = createIpcClient(b);
    const seen: string[] = [];
    client.onStatus((s) => seen.push(s));
    client.ackEvents(3);
    expect(seen).toEqual(['open']);
    expect(b.ackEvents).toHaveBeenCalledWith(3);
  });
});
