import type { StoreApi } from 'zustand/vanilla';
import type { ApiClient, EventBatch } from '../../../shared/api/contract';
import type { ConnectionSlice } from './connection-slice';
import type { DevicesSlice } from './devices-slice';
import type { LogSearchSlice } from './log-search-slice';
import type { MetricsSlice } from './metrics-slice';
import type { TrafficSlice } from './traffic-slice';
import type { UiSlice } from './ui-slice';

export type AppState = ConnectionSlice & DevicesSlice & TrafficSlice & LogSearchSlice & MetricsSlice & UiSlice;
export type AppStore = StoreApi<AppState>;
export type SetState = AppStore['setState'];
export type GetState = AppStore['getState'];

/** A slice: its state and actions, built with the shared set/get and the API client. */
export type SliceCreator<T> = (set: SetState, get: GetState, client: ApiClient) => T;

/** A slice's pure reaction to one event batch: the part of the state it changes, or null. */
export type BatchReducer = (state: AppState, batch: EventBatch) => Partial<AppState> | null;
