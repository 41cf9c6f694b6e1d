/**
 * What the shell needs of the in-process core (electron/core.ts): the API for IPC, broker session
 * events for the tray count and login alerts, the hub's offline alerts, pause/resume, and close(reason).
 */
import type { OfflineAlert } from '../hub/offline-alerts';
import type { ApiServerLike } from './ipc';

export interface SessionRef {
  id: string;
}

export interface BrokerPort {
  sessions(): readonly unknown[];
  on(event: 'session:open', listener: (info: SessionRef) => void): unknown;
  on(event: 'session:close', listener: (info: SessionRef, reason: string) => void): unknown;
  on(event: 'login:failed', listener: (ev: { address: string; reason: string }) => void): unknown;
}

export interface CorePort {
  api: ApiServerLike;
  broker: BrokerPort;
  /** The hub decides when a device is offline past the grace (electron/hub/offline-alerts.ts); the shell only shows it. */
  hub: { onOfflineAlert(listener: (alert: OfflineAlert) => void): () => void };
  close(reason?: string): Promise<void>;
  /** What close() can do without the event loop (the session ending on Windows); done when it returns. */
  closeNow?: () => void;
  /** The tray disables its pause item when the core lacks these. */
  pause?: () => Promise<void>;
  resume?: () => Promise<void>;
  readonly paused?: boolean;
}

export interface CoreStartOptions {
  dataDir: string;
  mode: 'desktop';
}

export type StartCore = (options: CoreStartOptions) => Promise<CorePort>;
