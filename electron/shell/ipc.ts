/**
 * The IPC binding of the API: 'api:call' (invoke) -> api.dispatch, 'api:ack' -> api.ack, and
 * 'api:subscribe' -> the event pump pushed to the main window on 'api:events'. Every handler first
 * checks that the message comes from our page in our main window (trust.ts); anything else is
 * refused and counted.
 */
import { methodNames, type ApiError, type EventBatch, type MethodName } from '../../shared/api/contract';
import type { IpcEventLike, IpcMainLike, WebContentsLike } from './electron-api';
import { isTrustedSender, type AppOrigin } from './trust';
import { CHANNELS } from './channels';

export { CHANNELS };

/** What the shell needs of the core's ApiServer (electron/api/server.ts). */
export interface ApiServerLike {
  dispatch(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiError }>;
  subscribe(listener: (batch: EventBatch) => void): () => void;
  ack(seq: number): void;
}

export interface IpcBinding {
  /**
   * Starts pushing event batches to these web contents (replacing any previous subscription). The
   * page asks for it itself ('api:subscribe', before its first snapshot); the shell only detaches.
   */
  attach(contents: WebContentsLike): void;
  detach(): void;
  /** Messages refused because of their sender. */
  readonly refused: number;
  dispose(): void;
}

const known = new Set<string>(methodNames);

export function bindApi(
  ipcMain: IpcMainLike,
  api: ApiServerLike,
  origin: AppOrigin,
  mainContents: () => WebContentsLike | null,
  warn: (message: string) => void = console.warn,
): IpcBinding {
  let refused = 0;
  let unsubscribe: (() => void) | null = null;

  const trusted = (event: IpcEventLike, channel: string): boolean => {
    if (isTrustedSender(event, mainContents()?.id ?? null, origin)) return true;
    refused += 1;
    if (refused <= 10) warn(`[shell] refused ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
    return false;
  };

  ipcMain.handle(CHANNELS.call, async (event, method, params) => {
    if (!trusted(event, CHANNELS.call)) throw new Error('forbidden: untrusted sender');
    if (typeof method !== 'string' || !known.has(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `unknown method ${String(method).slice(0, 64)}` } };
    }
    return api.dispatch(method as MethodName, params);
  });

  const onAck = (event: IpcEventLike, seq: unknown): void => {
    if (!trusted(event, CHANNELS.ack)) return;
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0) api.ack(seq);
  };
  ipcMain.on(CHANNELS.ack, onAck as (event: IpcEventLike, ...args: unknown[]) => void);

  const detach = (): void => {
    unsubscribe?.();
    unsubscribe = null;
  };
  const attach = (contents: WebContentsLike): void => {
    detach();
    unsubscribe = api.subscribe((batch) => {
      if (!contents.isDestroyed()) contents.send(CHANNELS.events, batch);
    });
  };

  // A fresh subscription per page load: a reloaded page's subscription never waits for an ack the
  // page before it owed, and what the old one held is in the new page's snapshot.
  const onSubscribe = (event: IpcEventLike): void => {
    if (!trusted(event, CHANNELS.subscribe)) return;
    const contents = mainContents(); // the sender: trusted() compared their ids
    if (contents !== null) attach(contents);
  };
  ipcMain.on(CHANNELS.subscribe, onSubscribe);

  return {
    attach,
    detach,
    get refused() {
      return refused;
    },
    dispose() {
      detach();
      ipcMain.removeHandler(CHANNELS.call);
      ipcMain.removeListener(CHANNELS.ack, onAck as (event: IpcEventLike, ...args: unknown[]) => void);
      ipcMain.removeListener(CHANNELS.subscribe, onSubscribe);
    },
  };
}
