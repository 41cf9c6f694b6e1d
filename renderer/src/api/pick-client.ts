import type { ApiClient } from '../../../shared/api/contract';
import { createIpcClient } from './ipc-client';
import { apiUrlFor, createWsClient, takeAdminToken } from './ws-client';

export type PickedClient = { kind: 'ipc' | 'ws'; client: ApiClient } | { kind: 'none'; problem: string };

/** Electron's preload bridge when present, otherwise the WebSocket of the headless host. */
export function pickClient(win: Window): PickedClient {
  if (win.hypertcp) return { kind: 'ipc', client: createIpcClient(win.hypertcp) };
  const token = takeAdminToken(win.location, win.sessionStorage, win.history);
  if (!token) {
    return { kind: 'none', problem: 'No admin token. Open the URL the host printed at start (it ends in #token=...).' };
  }
  return { kind: 'ws', client: createWsClient({ url: apiUrlFor(win.location), token }) };
}
