/**
 * Runs the UDP shapes and the TCP reference on a lossy loopback: a private network namespace
 * (unshare -n, so nothing else on the machine is affected) whose nftables output hook drops a
 * share of TCP and UDP packets at random, the same for both transports. A child process does the
 * measuring inside the namespace and prints its rows as one JSON line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { benchEntry, repoRoot } from '../lib/entry';
import type { UdpRow } from '../lib/results';

const MARK = 'UDP_LINK_RESULT ';

function setup(loss: number): string {
  const rules = [
    'ip link set lo up',
    ...(loss > 0
      ? [
          'nft add table inet benchloss',
          `nft add chain inet benchloss out '{ type filter hook output priority 0; }'`,
          `nft add rule inet benchloss out meta l4proto '{ tcp, udp }' numgen random mod 1000 '<' ${Math.round(loss * 1000)} drop`,
        ]
      : []),
  ];
  return rules.join(' && ');
}

/** Whether this machine lets us make a private network namespace with an nftables drop rule. */
export function lossyLinkAvailable(): boolean {
  const r = spawnSync('unshare', ['-n', 'sh', '-c', setup(0.05)], { stdio: 'ignore', timeout: 5_000 });
  return r.status === 0;
}

export function runOnLossyLink(loss: number, warmupMs: number, rateWarmupMs: number, measureMs: number, runs: number): Promise<UdpRow[]> {
  const child = benchEntry('udp-link-child');
  const cmd = `${setup(loss)} && exec "${process.execPath}" "${child}" ${loss} ${warmupMs} ${rateWarmupMs} ${measureMs} ${runs}`;
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', ['-n', 'sh', '-c', cmd], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    let result: UdpRow[] | null = null;
    p.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(MARK)) result = JSON.parse(line.slice(MARK.length)) as UdpRow[];
        else console.log(line);
      }
    });
    p.once('error', reject);
    p.once('exit', (code) => (result ? resolve(result) : reject(new Error(`lossy link child exited with ${code}`))));
  });
}
