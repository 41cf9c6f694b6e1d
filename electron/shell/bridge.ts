/**
 * The object the preload exposes as `window.hypertcp`, built from an ipcRenderer-like object so it
 * can be tested without Electron. Only plain functions leave here: no ipcRenderer, no event objects.
 */
import type { ApiError, EventBatch, MethodName } from '../../shared/api/contract';
import { CHANNELS } from './channels';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export type HyperTcpBridge = Record<MethodName, (params?: unknown) => Promise<unknown>> & {
  onEvents(listener: (batch: EventBatch) => void): () => void;
  ackEvents(seq: number): void;
  onStatus(listener: (status: ConnectionStatus, detail?: string) => void): () => void;
};

type Reply = { ok: true; result: unknown } | { ok: false; error: ApiError };

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

/** `methods` is methodNames from the contract (the preload gets it inlined at build time, without zod). */
export function buildBridge(ipc: IpcRendererLike, methods: readonly MethodName[]): HyperTcpBridge {
  const bridge: Record<string, unknown> = {};
  for (const method of methods) {
    bridge[method] = async (params?: unknown): Promise<unknown> => {
      const reply = await ipc.invoke(CHANNELS.call, method, params ?? {});
      if (!isReply(reply)) throw new Error('internal: malformed reply');
      if (reply.ok) return reply.result;
      // contextBridge copies only an Error's message, so the code travels inside it.
      throw new Error(`${reply.error.code}: ${reply.error.message}`);
    };
  }
  // The page's first listener subscribes it to the event pump, as a WebSocket client is subscribed
  // by connecting: before the page's first snapshot (connectStore listens, then hydrates), so every
  // change after that snapshot reaches it. Once per page load (the preload runs again on a reload,
  // which subscribes afresh); a second listener must not replace the subscription and lose what it holds.
  let subscribed = false;
  bridge.onEvents = (listener: (batch: EventBatch) => void): (() => void) => {
    const wrapped = (_event: unknown, batch: unknown): void => listener(batch as EventBatch);
    ipc.on(CHANNELS.events, wrapped);
    if (!subscribed) {
      subscribed = true;
      ipc.send(CHANNELS.subscribe);
    }
    return () => void ipc.removeListener(CHANNELS.events, wrapped);
  };
  bridge.ackEvents = (seq: number): void => {
    if (Number.isSafeInteger(seq)) ipc.send(CHANNELS.ack, seq);
  };
  bridge.onStatus = (listener: (status: ConnectionStatus, detail?: string) => void): (() => void) => {
    const wrapped = (_event: unknown, status: unknown, detail: unknown): void => {
      if (status === 'connecting' || status === 'open' || status === 'closed') listener(status, typeof detail === 'string' ? detail : undefined);
    };
    ipc.on(CHANNELS.status, wrapped);
    // IPC is up as soon as the preload runs.
    queueMicrotask(() => listener('open'));
    return () => void ipc.removeListener(CHANNELS.status, wrapped);
  };
  return bridge as HyperTcpBridge;
}
