import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ApiClient } from '../../../shared/api/contract';
import type { AppState, AppStore } from './types';

interface Ctx {
  store: AppStore;
  client: ApiClient;
}
const StoreContext = createContext<Ctx | null>(null);

export function StoreProvider({ store, client, children }: { store: AppStore; client: ApiClient; children: ReactNode }) {
  return <StoreContext.Provider value={{ store, client }}>{children}</StoreContext.Provider>;
}

function useCtx(): Ctx {
  const ctx = useContext(StoreContext);
  if (!ctx) throw new Error('StoreProvider is missing');
  return ctx;
}

/** Single-value selector hook (use useShallow for several values). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useCtx().store, selector);
}

export function useApi(): ApiClient {
  return useCtx().client;
}

export function useAppStore(): AppStore {
  return useCtx().store;
}

/**
 * Acks the last applied batch after React committed the render it caused, so the host's pump
 * sends the next one only when the UI has caught up (Foxglove-style back-pressure). Every applied
 * batch is acked, also one whose seq is the one acked last: a restarted host counts from 1 again,
 * and its first batch must not wait out the pump's ack timeout.
 */
export function BatchAck() {
  const { seq, applied } = useApp(useShallow((s) => ({ seq: s.lastBatchSeq, applied: s.batchesApplied })));
  const { client } = useCtx();
  useEffect(() => {
    if (seq !== null) client.ackEvents(seq);
  }, [seq, applied, client]);
  return null;
}
