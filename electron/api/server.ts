import type { ApiError, EventBatch } from '../../shared/api/contract';
import { createDispatcher, type Handlers } from './dispatcher';
import { EventPump, type PumpOptions, type PumpSource } from './pump';

/** What every binding (Electron IPC, WebSocket) talks to. The contract: shared/api/contract.ts. */
export interface ApiServer {
  dispatch(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiError }>;
  /** `ready`: false while the binding cannot take a batch (its changes wait, merged, for the next tick it can). */
  subscribe(listener: (batch: EventBatch) => void, ready?: () => boolean): () => void;
  ack(seq: number): void;
}

export function createApiServer(handlers: Handlers, source: PumpSource, options: PumpOptions & { onInternalError?: (method: string, err: unknown) => void } = {}): ApiServer & { pump: EventPump } {
  const dispatch = createDispatcher(handlers, options.onInternalError);
  const pump = new EventPump(source, options);
  pump.start();
  return {
    pump,
    dispatch,
    subscribe: (listener, ready) => pump.subscribe(listener, ready),
    ack: (seq) => {
      if (Number.isSafeInteger(seq)) pump.ack(seq);
    },
  };
}
