/**
 * UDP benchmark shapes for `npm run bench` (bench/run.ts calls udpBenchShapes()).
 *  1. Reliable UDP vs TCP on the same lossy link: each loss rate runs bench-link.ts in its own
 *     network namespace (`unshare -rn`) whose loopback drops that share of TCP and UDP packets with
 *     nftables (`numgen random`); goodput (messages/s) and p99 one-way latency at a fixed rate.
 *  2. Encrypted datagrams per second per core: AES-256-GCM seal and open on one thread.
 *  3. Protocol-only latency: the same session code on a simulated link and a virtual clock (no CPU
 *     contention, no kernel), so the recovery logic is measured apart from the machine's load.
 * Where namespaces or nft are missing the rows say so (skipped, with the reason), never a number.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deriveDirectionKey, open, seal, tokenHash } from './crypto';
import { simulatedSession } from './simulated';
import type { UdpConfig } from './config';
import type { LinkResult } from './bench-link';

export interface UdpLossRow extends Partial<LinkResult> {
  lossPct: number;
  transport: LinkResult['transport'];
  note?: string;
}

export interface CryptoRow {
  payloadBytes: number;
  sealPerS: number;
  openPerS: number;
}

const LINK_SCRIPT = fileURLToPath(new URL('./bench-link.ts', import.meta.url));

/** Why the namespace method cannot run here, or null. */
export function namespaceUnavailable(): string | null {
  try {
    execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
  } catch {
    return 'unshare -rn (user + network namespace) not permitted';
  }
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'nft (nftables) not installed';
  }
  return null;
}

export function lossyLinkRun(lossPct: number, options: { messages: number; rate: number; payloadBytes: number }): UdpLossRow[] {
  const why = namespaceUnavailable();
  if (why) return (['udp-reliable', 'tcp'] as const).map((transport) => ({ lossPct, transport, note: `skipped: ${why}` }));
  const perMille = Math.round(lossPct * 10);
  const rule = perMille > 0 ? `nft add table inet loss && nft add chain inet loss out '{ type filter hook output priority 0; }' && nft add rule inet loss out meta l4proto '{ tcp, udp }' numgen random mod 1000 '<' ${perMille} drop && ` : '';
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const script = `ip link set lo up && ${rule}exec "${tsx}" "${LINK_SCRIPT}" ${options.messages} ${options.rate} ${options.payloadBytes}`;
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', script], { encoding: 'utf8', timeout: 180_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return (JSON.parse(line) as LinkResult[]).map((x) => ({ ...x, lossPct }));
  } catch {
    const err = (r.stderr || r.error?.message || 'no output').trim().split('\n').slice(-1)[0];
    return (['udp-reliable', 'tcp'] as const).map((transport) => ({ lossPct, transport, note: `failed: ${err}` }));
  }
}

export function cryptoPerCore(payloadBytes: number, ms = 500): CryptoRow {
  const k = deriveDirectionKey(tokenHash('bench'), Buffer.alloc(16, 1), Buffer.alloc(16, 2), 1, 'd2s');
  const header = Buffer.alloc(13, 0x10);
  const plain = Buffer.alloc(payloadBytes, 0x42);
  const sealed: Buffer[] = [];
  let pn = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++, pn++) {
      header.writeUInt32BE(pn, 9);
      const d = seal(k, pn, header, plain);
      if (sealed.length < 2000) sealed.push(d);
    }
  }
  const sealPerS = (pn * 1000) / (performance.now() - t0);
  let opened = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < ms) {
    for (let i = 0; i < 100; i++, opened++) {
      const d = sealed[opened % sealed.length]!;
      if (!open(k, d.readUInt32BE(9), d, 13)) throw new Error('bench: open failed');
    }
  }
  const openPerS = (opened * 1000) / (performance.now() - t1);
  return { payloadBytes, sealPerS: Math.round(sealPerS), openPerS: Math.round(openPerS) };
}

export interface SimulatedRow {
  lossPct: number;
  messages: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  retransmits: number;
  idleDuplicates: number;
}

/** Reliable ordered messages at 1 per ms over a 0.05-0.1 ms link that drops lossPct both ways. */
export function simulatedLatency(lossPct: number, messages = 20_000, seed = 3, config: Partial<UdpConfig> = {}): SimulatedRow {
  const s = simulatedSession({ profile: { loss: lossPct / 100, duplicate: 0, reorder: 0, delayMs: 0.05, jitterMs: 0.05 }, seed, config });
  s.clock.run(100);
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const decoder = new TextDecoder();
  s.transport.attachRouter((e) => {
    const n = Number(/"n":(\d+)/.exec(decoder.decode(e.payload))?.[1]);
    latencies.push(s.clock.now() - sentAt[n]!);
  });
  for (let i = 0; i < messages; i++) {
    sentAt[i] = s.clock.now();
    s.client.send('server', `{"n":${i}}`, 'ordered');
    s.clock.run(s.clock.now() + 1);
  }
  s.clock.run(s.clock.now() + 10_000, () => latencies.length === messages);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(2));
  return { lossPct, messages, delivered: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), retransmits: s.client.peer.counters.retransmits, idleDuplicates: s.client.peer.counters.idleDuplicates };
}

/** Everything bench/run.ts needs: rows for the loss table and the crypto table. */
export function udpBenchShapes(options: { quick?: boolean; losses?: number[] } = {}): { loss: UdpLossRow[]; crypto: CryptoRow[]; simulated: SimulatedRow[] } {
  const runOptions = options.quick ? { messages: 3000, rate: 500, payloadBytes: 256 } : { messages: 20_000, rate: 1000, payloadBytes: 256 };
  const loss = (options.losses ?? [0, 5, 20]).flatMap((p) => lossyLinkRun(p, runOptions));
  const crypto = [256, 1200].map((n) => cryptoPerCore(n, options.quick ? 300 : 1000));
  const simulated = (options.losses ?? [0, 5, 20]).map((p) => simulatedLatency(p, options.quick ? 5000 : 20_000));
  return { loss, crypto, simulated };
}

if (process.argv[1]?.endsWith('bench-shapes.ts')) {
  const result = udpBenchShapes({ quick: process.argv.includes('--quick') });
  console.table(result.loss);
  console.table(result.crypto);
  console.table(result.simulated);
}
