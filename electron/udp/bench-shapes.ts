/**
 * UDP benchmark shapes for `npm run bench` (bench/run.ts calls udpBenchShapes()).
 *  1. Reliable UDP vs TCP on the same lossy link: each loss rate runs bench-link.ts in its own
 *     network namespace (`unshare -rn`) whose loopback drops that share of TCP and UDP packets with
 *     nftables (`numgen random`); goodput (messages/s) and p99 one-way latency at a fixed rate.
 *  2. Encrypted datagrams per second per core: AES-256-GCM seal and open on one thread.
 * Where namespaces or nft are missing the rows say so (skipped, with the reason), never a number.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deriveDirectionKey, open, seal, tokenHash } from './crypto';
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

/** Everything bench/run.ts needs: rows for the loss table and the crypto table. */
export function udpBenchShapes(options: { quick?: boolean; losses?: number[] } = {}): { loss: UdpLossRow[]; crypto: CryptoRow[] } {
  const runOptions = options.quick ? { messages: 3000, rate: 500, payloadBytes: 256 } : { messages: 20_000, rate: 1000, payloadBytes: 256 };
  const loss = (options.losses ?? [0, 5, 20]).flatMap((p) => lossyLinkRun(p, runOptions));
  const crypto = [256, 1200].map((n) => cryptoPerCore(n, options.quick ? 300 : 1000));
  return { loss, crypto };
}

if (process.argv[1]?.endsWith('bench-shapes.ts')) {
  const result = udpBenchShapes({ quick: process.argv.includes('--quick') });
  console.table(result.loss);
  console.table(result.crypto);
}
