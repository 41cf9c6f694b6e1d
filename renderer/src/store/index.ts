import { createStore } from 'zustand/vanilla';
import type { ApiClient, EventBatch } from '../../../shared/api/contract';
import { connectionBatch, createConnectionSlice } from './connection-slice';
import { createDevicesSlice, devicesBatch } from './devices-slice';
import { createLogSearchSlice } from './log-search-slice';
import { createMetricsSlice, metricsBatch } from './metrics-slice';
import { createTrafficSlice, trafficBatch } from './traffic-slice';
import type { AppState, AppStore, BatchReducer } from './types';
import { createUiSlice } from './ui-slice';

export type { AppState, AppStore } from './types';

const reducers: BatchReducer[] = [connectionBatch, devicesBatch, trafficBatch, metricsBatch];

/** One store per client: slices combined, so tests build their own with a fake client. */
export function createAppStore(client: ApiClient): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createConnectionSlice(set, get, client),
    ...createDevicesSlice(set, get, client),
    ...createTrafficSlice(set, get, client),
    ...createLogSearchSlice(set, get, client),
    ...createMetricsSlice(set, get, client),
    ...createUiSlice(set, get, client),
  }));
}

/** Applies one event batch as a single state update (one render per batch, never per message). */
export function applyBatch(store: AppStore, batch: EventBatch): void {
  store.setState((state) => {
    let patch: Partial<AppState> = {};
    for (const reduce of reducers) {
      const part = reduce({ ...state, ...patch }, batch);
      if (part) patch = { ...patch, ...part };
    }
    return patch;
  });
}

/** Feeds the store from the client: batches, connection status, a reload on every (re)connect. */
export function connectStore(store: AppStore, client: ApiClient): () => void {
  const offEvents = client.onEvents((batch) => applyBatch(store, batch));
  const offStatus = client.onStatus((status, detail) => {
    store.getState().setHostStatus(status, detail);
    if (status === 'open') void store.getState().hydrate();
  });
  return () => {
    offEvents();
    offStatus();
  };
}
