import type { Counters } from '../../shared/api/contract';
import type { DeviceDescription } from '../../shared/protocol/login';

export type BrokerTransport = 'tcp' | 'tls';

/** Why a connection ended; exactly one per connection (docs/PROTOCOL.md section 7). */
export type DisconnectReason =
  | 'closed_by_peer'
  | 'keepalive_timeout'
  | 'login_timeout'
  | 'auth_failed'
  | 'protocol_error'
  | 'replaced'
  | 'revoked'
  | 'redirected'
  | 'slow_consumer'
  | 'shutdown'
  | 'paused'
  | 'server_error'
  | 'rejected';

export interface SessionCounters extends Counters {
  /** Acks (RESPONSE) received from the device for frames the broker sent it. */
  acksIn: number;
  /** Acks the broker sent for the device's messages. */
  acksOut: number;
  /** Messages refused by the inbound rate limit. */
  rateLimited: number;
  /** Frames currently waiting in the outbound queue, and their bytes. */
  queueDepth: number;
  queueBytes: number;
  /** Refusals by kind (malformed, target_unknown, not_allowed, ...). */
  errorsByKind: Record<string, number>;
}

export interface SessionInfo {
  id: string;
  address: string;
  transport: BrokerTransport;
  protocol: 'legacy' | 'v2';
  device: DeviceDescription | null;
  /** The device was granted a UDP session at login (deliveries go over UDP while it is open). */
  udp?: boolean;
  connectedAt: number;
  rttMs: number | null;
  counters: SessionCounters;
}

export interface BrokerStats {
  startedAt: number;
  /** Connections being served: logging in or logged in. */
  connections: number;
  sessions: number;
  /**
   * Sockets held, what maxConnections is checked against: the connections, plus TLS handshakes in
   * progress and closed connections still lingering to flush their last frames.
   */
  socketsHeld: number;
  loginsOk: number;
  loginsFailed: number;
  connectionsRejected: number;
  /** Exceptions thrown by event listeners, caught and counted. */
  listenerErrors: number;
  /** Errors of a listening server after it started (EMFILE, ...). */
  acceptErrors: number;
  /** UDP envelopes from a device with no live TCP session (dropped). */
  udpOrphans: number;
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  acksIn: number;
  acksOut: number;
  errors: number;
  drops: number;
  rateLimited: number;
  queueDepth: number;
  errorsByKind: Record<string, number>;
  disconnects: Partial<Record<DisconnectReason, number>>;
}

export interface FrameEvent {
  ts: number;
  dir: 'in' | 'out';
  /** The session's device id, or '*' for one event that stands for a broadcast's deliveries. */
  device: string;
  from: string | null;
  to: string | null;
  cmd: number;
  msgId: number;
  size: number;
  /** For 'in' messages: the status the broker acked with. */
  status: number | null;
  /** The frame's payload bytes. May share memory with a socket chunk: copy before keeping. */
  payload: Uint8Array;
  /** For a broadcast's 'out' event: how many devices it went to. */
  recipients?: number;
}

export interface ServerMessageEvent {
  from: string;
  /**
   * The inner "payload" object's bytes, exactly as the device wrote them. Shares memory with the
   * socket chunk it arrived in (up to 64 KiB kept alive by a small view): copy before keeping.
   */
  payload: Uint8Array;
}

export interface LoginFailedEvent {
  address: string;
  reason: string;
}

/** Every connection that ends, logged in or not (tests and diagnostics). */
export interface ConnectionCloseEvent {
  address: string;
  transport: BrokerTransport;
  device: string | null;
  reason: DisconnectReason;
  detail: string | undefined;
}

export interface BrokerEvents {
  'session:open': [info: SessionInfo];
  'session:close': [info: SessionInfo, reason: DisconnectReason, detail?: string];
  frame: [ev: FrameEvent];
  'server:message': [ev: ServerMessageEvent];
  'login:failed': [ev: LoginFailedEvent];
  'connection:close': [ev: ConnectionCloseEvent];
}
