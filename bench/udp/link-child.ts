/** Inside the lossy network namespace: TCP reference and UDP reliable, both modes (see lossy-link.ts). */
import { combineUdpRuns, type UdpRow } from '../lib/results';
import { runTcpReference, runUdp } from './run-udp';

const [loss, warmupMs, rateWarmupMs, measureMs, runs] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const rows: UdpRow[] = [];
for (const mode of ['saturate', 'rate'] as const) {
  for (const transport of ['TCP', 'UDP reliable'] as const) {
    const results: UdpRow[] = [];
    const warmup = mode === 'rate' ? rateWarmupMs : warmupMs;
    for (let run = 0; run < runs; run++) {
      try {
        results.push(transport === 'TCP' ? await runTcpReference(mode, warmup, measureMs, loss) : await runUdp(loss, mode, warmup, measureMs, null));
      } catch (e) {
        console.log(`  ${transport} ${loss * 100}% loss ${mode}: ERROR ${e instanceof Error ? e.message : e}`);
      }
    }
    if (results.length > 0) rows.push(combineUdpRuns(results));
  }
}
console.log(`UDP_LINK_RESULT ${JSON.stringify(rows)}`);
process.exit(0);
