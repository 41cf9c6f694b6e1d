import { DEFAULT_DATAGRAM_BYTES, HELLO_HEADER_BYTES, TAG_BYTES } from '../../shared/protocol/udp/wire';
import { ACK_FRAME_BYTES, FRAGMENT_HEADER_BYTES } from '../../shared/protocol/udp/frames';
import { DEFAULT_RTT, type RttConfig } from './rtt';
import type { ReassemblyLimits } from './reassembly';

/** Every knob of a UDP session, with the defaults of docs/PROTOCOL.md section 9. */
export interface UdpConfig {
  datagramBytes: number;
  maxMessageBytes: number;
  maxInFlightPackets: number;
  /** send() refuses a message past this many queued or unacknowledged bytes. */
  maxQueuedBytes: number;
  /** Streams wait while more than this is queued. */
  drainBytes: number;
  maxRetries: number;
  ackDelayMs: number;
  /**
   * A packet carrying reliable data is sent twice (same frames, a new packet number) while fewer
   * than this many packets are in flight: an idle link trades a datagram for not waiting a loss
   * out. 0 = never. Busy links (more in flight) never duplicate, so goodput is unchanged.
   */
  idleDuplicates: number;
  heartbeatMs: number;
  deadAfterHeartbeats: number;
  /** A device resends its HELLO this often until the broker answers. */
  helloRetryMs: number;
  rekeyAfterPackets: number;
  /** Messages at least this large are deflated when that makes them smaller; 0 = never. */
  compressAboveBytes: number;
  reassembly: ReassemblyLimits;
  /** Receive window of the reliable channels (messages ahead of the oldest missing one). */
  orderedWindow: number;
  /** The peer's receive window until its WINDOW frame says otherwise; the broker assumes 8 (firmware's slots). */
  sendWindow: number;
  orderedBufferBytes: number;
  rtt: RttConfig;
}

export const DEFAULT_UDP_CONFIG: UdpConfig = {
  datagramBytes: DEFAULT_DATAGRAM_BYTES,
  maxMessageBytes: 65535,
  maxInFlightPackets: 128,
  maxQueuedBytes: 4 * 1024 * 1024,
  drainBytes: 256 * 1024,
  maxRetries: 10,
  ackDelayMs: 5,
  idleDuplicates: 3,
  heartbeatMs: 2000,
  deadAfterHeartbeats: 5,
  helloRetryMs: 250,
  // QUIC's confidentiality limit for AES-GCM is 2^23 packets per key; update at half of it.
  rekeyAfterPackets: 2 ** 22,
  compressAboveBytes: 0,
  reassembly: { maxMessageBytes: 65535, maxFragments: 64, perPeerPartials: 16, perPeerBytes: 256 * 1024, timeoutMs: 10_000 },
  orderedWindow: 1024,
  sendWindow: 1024,
  orderedBufferBytes: 1024 * 1024,
  rtt: DEFAULT_RTT,
};

export function resolveConfig(partial: Partial<UdpConfig> = {}): UdpConfig {
  const c = { ...DEFAULT_UDP_CONFIG, ...partial, rtt: { ...DEFAULT_UDP_CONFIG.rtt, ...partial.rtt } };
  c.reassembly = { ...DEFAULT_UDP_CONFIG.reassembly, ...partial.reassembly, maxMessageBytes: c.maxMessageBytes };
  if (c.datagramBytes < 256 || c.datagramBytes > 1452) throw new RangeError('datagramBytes must be 256..1452');
  c.reassembly.maxFragments = Math.max(c.reassembly.maxFragments, Math.ceil(c.maxMessageBytes / fragmentBytes(c)));
  // A partial reserves its whole total: a peer's budget below one largest message could never take it.
  if (c.reassembly.perPeerBytes < c.maxMessageBytes) throw new RangeError('reassembly.perPeerBytes must be at least maxMessageBytes');
  return c;
}

/** Data per fragment: a fragment, an ACK and the largest header always fit in one datagram. */
export function fragmentBytes(c: UdpConfig): number {
  return c.datagramBytes - HELLO_HEADER_BYTES - TAG_BYTES - ACK_FRAME_BYTES - FRAGMENT_HEADER_BYTES;
}
