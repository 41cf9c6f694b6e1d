/** Per-session counters for the metrics views (and the transport's totals for drops before a session). */
export interface UdpCounters {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Fragments sent again after their packet was declared lost. */
  retransmits: number;
  /** Packets sent a second time at once because the link was idle (config idleDuplicates). */
  idleDuplicates: number;
  /** Ack-eliciting packets declared lost and proven lost by a later ACK (loss-suspects.ts). */
  lostPackets: number;
  /** Packets declared lost whose ACK came late: they had arrived, their retransmission was needless. */
  spuriousRetransmits: number;
  /** Packets or messages received twice (dropped). */
  duplicates: number;
  /** Unreliable messages that arrived after a newer one (dropped: latest wins). */
  stale: number;
  /** Messages lost to reassembly: dropped (inconsistent fragments), expired, or unreliable ones refused or given way. */
  reassemblyFailures: number;
  /** Fragments that would have started a partial message over a reassembly cap (not taken; a reliable one comes again). */
  reassemblyRefused: number;
  /** Messages reported failed: retries exhausted, or still queued or unacknowledged when the session closed. */
  failedMessages: number;
  /** Of those, the ones the session's close failed (the broker's deliveries had no other record of them). */
  unfinishedAtClose: number;
  authFailures: number;
  replays: number;
  malformed: number;
  keyUpdates: number;
  /** Packets of the previous key phase that came after its key was dropped (3 RTOs into the new phase). */
  oldPhaseDrops: number;
}

export function newCounters(): UdpCounters {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    retransmits: 0,
    idleDuplicates: 0,
    lostPackets: 0,
    spuriousRetransmits: 0,
    duplicates: 0,
    stale: 0,
    reassemblyFailures: 0,
    reassemblyRefused: 0,
    failedMessages: 0,
    unfinishedAtClose: 0,
    authFailures: 0,
    replays: 0,
    malformed: 0,
    keyUpdates: 0,
    oldPhaseDrops: 0,
  };
}
