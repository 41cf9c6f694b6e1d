import type { EventEmitter } from 'node:events';
import type { SendResult } from '../broker/broker';
import type { FrameEvent, SessionInfo } from '../broker/types';

/**
 * The part of the broker (electron/broker/index.ts) that the hub uses. Structural, so the
 * hub runs against the real broker or a stand-in (load and crash tests), and never reaches into it.
 */
export type BrokerSession = Omit<SessionInfo, 'counters'> & { counters?: Partial<SessionInfo['counters']> };
export type BrokerFrameEvent = FrameEvent;
export type SendOutcome = SendResult;

export interface BrokerPort extends EventEmitter {
  sendFromServer(to: string, payloadJson: string): SendOutcome;
  broadcastFromServer(payloadJson: string): number;
  redirect(device: string, host: string, port: number): number;
  /** redirect() with the v2 sessions it skipped because the REDIRECT exceeds their receive limit. */
  redirectSessions?(device: string, host: string, port: number): { redirected: number; skippedTooLarge: number };
  /** Revokes the token in the store and closes the live session. */
  revoke(id: string): boolean;
  /** Rotates the token in the store and closes the session of the old one. */
  rotate?(id: string): string;
  /** Closes a live session without touching its token. */
  disconnect?(id: string, reason?: 'revoked'): boolean;
  sessions(): BrokerSession[];
  stats(): unknown;
}
