import type { EventEmitter } from 'node:events';
import type { DeviceDescription } from '../../shared/protocol/login';
import type { Transport } from '../../shared/api/contract';

/**
 * The part of the broker (electron/broker, INTERFACES.md) that the hub uses. Kept as a structural
 * type so the hub can be tested against the real broker or a stand-in, and never reaches into it.
 */
export interface BrokerSession {
  id: string;
  address: string;
  transport: Transport;
  protocol: 'legacy' | 'v2';
  device: DeviceDescription | null;
  connectedAt: number;
  rttMs: number | null;
  counters?: { drops?: number; queueDepth?: number };
}

export interface BrokerFrameEvent {
  ts: number;
  dir: 'in' | 'out';
  device: string;
  from: string | null;
  to: string | null;
  cmd: number;
  msgId: number;
  size: number;
  status: number | null;
  payload: Uint8Array;
}

export type SendOutcome = { ok: true; msgId: number } | { ok: false; status: number; reason: string };

export interface BrokerPort extends EventEmitter {
  sendFromServer(to: string, payloadJson: string): SendOutcome;
  broadcastFromServer(payloadJson: string): number;
  redirect(device: string, host: string, port: number): number;
  /** Revokes the token in the store and closes the live session. */
  revoke(id: string): boolean;
  /** Closes a live session without touching its token (after a rotation). */
  disconnect?(id: string, reason?: 'revoked'): boolean;
  sessions(): BrokerSession[];
  stats(): unknown;
}
