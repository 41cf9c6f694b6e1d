import { ABSOLUTE_MAX_PAYLOAD, DEFAULT_MAX_PAYLOAD } from '../../shared/protocol/constants';
import type { AddressingOptions } from './peer-keys';
import type { RoutingPolicy } from './policy';
import type { TokenStore } from './tokens';
import type { UdpSeam } from './udp';

/** Every limit the broker enforces. Times are in milliseconds. */
export interface BrokerLimits {
  /** Largest frame payload accepted and delivered (checked from the header). */
  maxPayload: number;
  /**
   * Largest frame payload before login (the LOGIN itself): a connection that has not authenticated
   * can make the broker buffer at most this much. Never above maxPayload.
   */
  maxLoginPayload: number;
  /** A connection must log in within this time. */
  loginTimeoutMs: number;
  /** Inbound messages per second per session (token bucket refill rate). */
  ratePerSecond: number;
  /** Token bucket size: how many messages a session may burst. */
  rateBurst: number;
  /**
   * BROADCASTs per second per device and their burst, on top of the message rate: one broadcast
   * puts a frame in every other session's queue. Past it: RATE_LIMITED (v2) / empty ack (legacy).
   */
  broadcastPerSecond: number;
  broadcastBurst: number;
  /** Outbound queue bound per session, in bytes and in frames. The oldest frames are dropped past it. */
  maxQueueBytes: number;
  maxQueueMessages: number;
  /** All sessions' outbound queues together; past it, a growing queue drops its oldest frames. */
  maxTotalQueueBytes: number;
  /** A session whose socket stays blocked this long is closed as a slow consumer. */
  drainTimeoutMs: number;
  /** Sockets held at once: in a TLS handshake, logging in, logged in, or closed and still lingering (closeLingerMs). */
  maxConnections: number;
  /**
   * Sockets held at once (counted like maxConnections) from one source address, as addressKey()
   * groups them (an off-link IPv6 /64 is one address; on the machine's own links each address is
   * its own), so one host cannot take every place. Loopback and in-memory streams are exempt: the
   * device simulator runs many devices from one loopback address.
   */
  maxConnectionsPerAddress: number;
  /** New connections per second (broker-wide token bucket) and its burst. */
  connectionsPerSecond: number;
  connectionBurst: number;
  /**
   * New connections per second from one source address (grouped and exempted as for
   * maxConnectionsPerAddress; an off-link IPv6 peer also spends its /48's and /32's wider budget),
   * checked before the broker-wide bucket, so one address opening and resetting connections cannot
   * empty that for every device. The burst defaults to maxConnectionsPerAddress (at least 64): an
   * address may fill its places at once.
   */
  connectionsPerSecondPerAddress: number;
  connectionBurstPerAddress: number;
  /** Failed-login throttle per source address: first delay, cap, and how fast failures are forgiven. */
  loginDelayBaseMs: number;
  loginDelayMaxMs: number;
  loginFailureHalfLifeMs: number;
}

export interface KeepaliveOptions {
  /** Ping a session that has sent nothing for this long (also announced to v2 devices, in seconds). */
  intervalMs: number;
  /** Close a pinged session that stays silent this long after the ping. */
  deadlineMs: number;
  /**
   * Ping a session at least this often even when it is busy, so chatty devices (which are never
   * quiet for `intervalMs`) have an RTT too; the first such ping goes out soon after login. 0 = off.
   */
  rttProbeMs: number;
}

export interface BrokerOptions {
  tokens: TokenStore;
  limits?: Partial<BrokerLimits>;
  keepalive?: Partial<KeepaliveOptions>;
  /** Which device may send to which target; default: everything allowed within the lab. */
  policy?: RoutingPolicy;
  /** Grace period between REDIRECT and closing the session. */
  redirectGraceMs?: number;
  /** How long a closing connection may linger to flush its last frames before it is destroyed. */
  closeLingerMs?: number;
  /** The UDP transport v2 devices may ask for at login ("udp":true); owned by the caller. */
  udp?: UdpSeam;
  /** How peers are grouped for the per-address limits (the machine's links; tests: loopback limited too). */
  addressing?: AddressingOptions;
  /**
   * Plain TCP on the native data path (electron/broker/native): true (default) when the addon
   * loads, else the JS path; false never; a string: the addon's file.
   */
  nativeWire?: boolean | string;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPayload: DEFAULT_MAX_PAYLOAD,
  // A v2 LOGIN with a large description (32 labelled controls and 32 telemetry channels) is ~4.2 KB.
  maxLoginPayload: 8 * 1024,
  loginTimeoutMs: 5_000,
  ratePerSecond: 1_000,
  rateBurst: 2_000,
  broadcastPerSecond: 10,
  broadcastBurst: 20,
  maxQueueBytes: 1024 * 1024,
  maxQueueMessages: 10_000,
  maxTotalQueueBytes: 256 * 1024 * 1024,
  drainTimeoutMs: 10_000,
  maxConnections: 10_000,
  // A host (or one NAT in front of several) with more devices than this is unusual in a lab.
  maxConnectionsPerAddress: 64,
  connectionsPerSecond: 500,
  connectionBurst: 1_000,
  connectionsPerSecondPerAddress: 20,
  connectionBurstPerAddress: 64,
  loginDelayBaseMs: 100,
  // Below the seed firmware's 5 s login timeout: a throttled address is slowed, never locked out.
  loginDelayMaxMs: 3_000,
  loginFailureHalfLifeMs: 60_000,
};

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 10_000, deadlineMs: 5_000, rttProbeMs: 30_000 };
/** After login, the first RTT probe waits this long (or rttProbeMs if shorter). */
export const FIRST_RTT_PROBE_MS = 2_000;

export interface ResolvedOptions {
  tokens: TokenStore;
  limits: BrokerLimits;
  keepalive: KeepaliveOptions;
  policy: RoutingPolicy | null;
  redirectGraceMs: number;
  closeLingerMs: number;
  udp: UdpSeam | null;
  addressing: AddressingOptions;
  nativeWire: boolean | string;
}

export function resolveOptions(options: BrokerOptions): ResolvedOptions {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  limits.maxPayload = Math.max(64, Math.min(limits.maxPayload, ABSOLUTE_MAX_PAYLOAD));
  // At least a legacy token (128 bytes) must fit.
  limits.maxLoginPayload = Math.max(128, Math.min(limits.maxLoginPayload, limits.maxPayload));
  // A queue must hold at least one full frame, or a large message could never be delivered.
  limits.maxQueueBytes = Math.max(limits.maxQueueBytes, limits.maxPayload + 5);
  limits.maxQueueMessages = Math.max(1, limits.maxQueueMessages);
  limits.maxConnectionsPerAddress = Math.max(1, limits.maxConnectionsPerAddress);
  // A lab behind one NAT that was given more places reconnects them all at once after a restart.
  limits.connectionBurstPerAddress = options.limits?.connectionBurstPerAddress ?? Math.max(DEFAULT_LIMITS.connectionBurstPerAddress, limits.maxConnectionsPerAddress);
  return {
    tokens: options.tokens,
    limits,
    keepalive: { ...DEFAULT_KEEPALIVE, ...options.keepalive },
    policy: options.policy ?? null,
    redirectGraceMs: options.redirectGraceMs ?? 2_000,
    closeLingerMs: options.closeLingerMs ?? 2_000,
    udp: options.udp ?? null,
    addressing: options.addressing ?? {},
    nativeWire: options.nativeWire ?? true,
  };
}
