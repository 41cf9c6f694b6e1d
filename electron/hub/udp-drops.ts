import { noUdpDrops, type UdpDropRate, type UdpDropStats, type UdpEndpointDrops, type UdpSourceDropReason } from '../../shared/api/contract';
import { noUdpDropRate } from './udp-drop-rate';

/** What the hub reads of the UDP transport's endpoint drops (UdpTransport.dropReport, electron/udp/transport.ts). */
export interface UdpDropPort {
  readonly port: number;
  /** The live counters (sampled each tick for the rate: no copy, no top-sources sort). */
  readonly drops: UdpEndpointDrops;
  dropReport(limit: number): {
    drops: UdpEndpointDrops;
    sources: { address: string; count: number; lastReason: UdpSourceDropReason; agoMs: number }[];
    tracked: number;
    capacity: number;
    evicted: number;
    forgetMs: number;
  };
}

/** udp.drops: the transport's counters, top sources (their times as wall-clock ms) and recent rate; zeros when UDP is off. */
export function udpDropStats(udp: UdpDropPort | null | undefined, limit: number, rate: (now: number) => UdpDropRate, now = Date.now()): UdpDropStats {
  if (!udp) return { enabled: false, port: null, drops: noUdpDrops(), sources: [], tracked: 0, capacity: 0, evicted: 0, forgetMs: 0, rate: noUdpDropRate() };
  const r = udp.dropReport(limit);
  return {
    enabled: true,
    port: udp.port,
    drops: r.drops,
    // the transport's clock is monotonic: a source's time is how long ago, taken from now
    sources: r.sources.map((s) => ({ address: s.address, count: s.count, lastReason: s.lastReason, lastTs: now - s.agoMs })),
    tracked: r.tracked,
    capacity: r.capacity,
    evicted: r.evicted,
    forgetMs: r.forgetMs,
    rate: rate(now),
  };
}
