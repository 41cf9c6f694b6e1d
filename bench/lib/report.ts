/** Builds the result tables (stdout and markdown) from scenario rows. */
import { formatBytes, formatCount, formatMs, formatRatio, type Table } from './format';
import { MODE_LABELS, combineRuns, ratio, type CeilingRow, type Measured, type MemoryRow, type ScenarioRow, type UdpRow } from './results';

export const OURS = 'HyperTCP (ours)';
export const HOST = 'HyperTCP host (ours, with hub and SQLite)';

export function resultsTable(rows: readonly ScenarioRow[]): Table {
  return {
    headers: ['shape', 'mode', 'broker', 'delivered msg/s', 'p50 ms', 'p99 ms', 'broker CPU', 'msg/CPU-s', 'peak RSS MiB', 'lost/dropped', 'generator CPU', 'notes'],
    align: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    rows: rows.map((r) => {
      const m = combineRuns(r.runs);
      const base = [r.shape, MODE_LABELS[r.mode], r.broker];
      if (!m) return [...base, '-', '-', '-', '-', '-', '-', '-', '-', r.note ?? ''];
      const runs = r.runs.length > 1 ? `median of ${r.runs.length}` : '';
      return [
        ...base,
        formatCount(m.deliveredPerS),
        formatMs(m.p50Ms),
        formatMs(m.p99Ms),
        `${(m.brokerCpu * 100).toFixed(0)}%`,
        formatCount(m.msgsPerCpuS),
        m.peakRssMiB.toFixed(0),
        formatCount(m.lost + m.refused),
        `${(m.generatorCpu * 100).toFixed(0)}%`,
        [runs, r.note ?? ''].filter(Boolean).join('; '),
      ];
    }),
  };
}

/**
 * Ours against each other broker, per shape and mode: delivered msg/s (higher is better for us),
 * p99 (ours / theirs: below 1 is better for us) and messages per broker CPU second.
 */
export function ratioTable(rows: readonly ScenarioRow[], others: readonly string[]): Table {
  const headers = ['shape', 'mode'];
  for (const o of others) headers.push(`msg/s vs ${o}`, `p99 vs ${o}`, `msg/CPU-s vs ${o}`);
  const out: string[][] = [];
  const ours = rows.filter((r) => r.broker === OURS);
  for (const r of ours) {
    const m = combineRuns(r.runs);
    const line = [r.shape, MODE_LABELS[r.mode]];
    for (const o of others) {
      const theirs = combineRuns(rows.find((x) => x.broker === o && x.shape === r.shape && x.mode === r.mode)?.runs ?? []);
      line.push(
        formatRatio(m && theirs ? ratio(m.deliveredPerS, theirs.deliveredPerS) : NaN),
        formatRatio(m && theirs ? ratio(m.p99Ms, theirs.p99Ms) : NaN),
        formatRatio(m && theirs ? ratio(m.msgsPerCpuS, theirs.msgsPerCpuS) : NaN),
      );
    }
    out.push(line);
  }
  return { headers, align: headers.map((_, i) => (i < 2 ? 'left' : 'right')), rows: out };
}

export function memoryTable(rows: readonly MemoryRow[]): Table {
  return {
    headers: ['broker', 'idle connections', 'RSS before', 'RSS with connections', 'per connection', 'notes'],
    align: ['left', 'right', 'right', 'right', 'right', 'left'],
    rows: rows.map((r) =>
      r.connections > 0
        ? [r.broker, String(r.connections), `${r.baselineMiB.toFixed(1)} MiB`, `${r.loadedMiB.toFixed(1)} MiB`, formatBytes(r.bytesPerConnection), r.note ?? '']
        : [r.broker, '-', '-', '-', '-', r.note ?? ''],
    ),
  };
}

export function ceilingTable(rows: readonly CeilingRow[]): Table {
  return {
    headers: ['protocol', 'side', 'generator ceiling msg/s'],
    align: ['left', 'left', 'right'],
    rows: rows.map((r) => [r.protocol, r.side, formatCount(r.msgsPerS)]),
  };
}

export function udpTable(rows: readonly UdpRow[], ratePerS: number): Table {
  return {
    headers: ['transport', 'loss', 'mode', 'goodput msg/s', 'p50 ms', 'p99 ms', 'broker CPU', 'datagrams/CPU-s', 'failed'],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: rows.map((r) => [
      r.transport,
      `${Math.round(r.loss * 100)}%`,
      r.mode === 'saturate' ? 'saturation (64 in flight)' : `fixed ${formatCount(ratePerS)} msg/s`,
      formatCount(r.goodputPerS),
      formatMs(r.p50Ms),
      formatMs(r.p99Ms),
      `${(r.brokerCpu * 100).toFixed(0)}%`,
      formatCount(r.datagramsPerCpuS),
      r.failed.toFixed(0),
    ]),
  };
}

/** The issue 5 targets, stated against the measured rows. */
export function udpVerdicts(rows: readonly UdpRow[]): string[] {
  const find = (t: UdpRow['transport'], loss: number, mode: UdpRow['mode']) => rows.find((r) => r.transport === t && r.loss === loss && r.mode === mode);
  const out: string[] = [];
  const g0 = find('UDP reliable', 0, 'saturate');
  const g5 = find('UDP reliable', 0.05, 'saturate');
  if (g0 && g5) out.push(`UDP goodput at 5% loss = ${formatRatio(ratio(g5.goodputPerS, g0.goodputPerS))} of goodput at 0% (target at least 0.80x).`);
  const u5 = find('UDP reliable', 0.05, 'rate');
  const tcp5 = find('TCP', 0.05, 'rate');
  const tcp0 = find('TCP', 0, 'rate');
  if (u5 && tcp5) {
    const verdict = u5.p99Ms < tcp5.p99Ms ? 'below' : 'NOT below';
    out.push(`At 5% loss and ${formatCount(u5.goodputPerS)} msg/s, reliable UDP p99 ${formatMs(u5.p99Ms)} ms is ${verdict} TCP's ${formatMs(tcp5.p99Ms)} ms on the same link (target: below).`);
  } else if (u5 && tcp0) {
    out.push(`UDP p99 at 5% loss ${formatMs(u5.p99Ms)} ms vs TCP p99 without loss ${formatMs(tcp0.p99Ms)} ms (TCP under loss needs the network namespace, not available here).`);
  }
  return out;
}

/**
 * p99s of interleaved runs compared run by run (a run's p99 moves more between runs than between
 * brokers on this machine, so one median hides how often each wins); null unless both rows have
 * the same two or more runs. Level: within 0.005 ms, equal at the 0.01 ms the tables print.
 */
export function pairedRuns(ours: readonly Measured[], theirs: readonly Measured[]): { runs: number; below: number; level: number } | null {
  if (ours.length < 2 || ours.length !== theirs.length) return null;
  let below = 0;
  let level = 0;
  ours.forEach((o, i) => {
    const gap = o.p99Ms - theirs[i]!.p99Ms;
    if (Math.abs(gap) < 0.005) level++;
    else if (gap < 0) below++;
  });
  return { runs: ours.length, below, level };
}

/** The issue 3 targets, stated against the fan-in rows (ours vs Mosquitto). */
export function brokerVerdicts(rows: readonly ScenarioRow[], mosquitto: string, mosquittoQos1?: string, ceilings: readonly CeilingRow[] = []): string[] {
  const fanIn = (broker: string, mode: ScenarioRow['mode']) => rows.find((r) => r.broker === broker && r.shape.startsWith('fan-in') && r.mode === mode)?.runs ?? [];
  const get = (broker: string, mode: ScenarioRow['mode']) => combineRuns(fanIn(broker, mode));
  const out: string[] = [];
  for (const mode of ['saturate', 'saturate-1'] as const) {
    const ours = get(OURS, mode);
    const theirs = get(mosquitto, mode);
    if (!ours || !theirs) continue;
    const r = ratio(ours.deliveredPerS, theirs.deliveredPerS);
    let line = `Fan-in, ${MODE_LABELS[mode]}: ours ${formatCount(ours.deliveredPerS)} msg/s = ${formatRatio(r)} Mosquitto's ${formatCount(theirs.deliveredPerS)} (target at least 2x: ${r >= 2 ? 'met' : 'NOT met'}); per broker CPU second ${formatRatio(ratio(ours.msgsPerCpuS, theirs.msgsPerCpuS))}.`;
    // A 2x that the load generator itself cannot offer is not a broker result: say so.
    const ceiling = ceilings.find((c) => c.protocol === 'hypertcp' && c.side === (mode === 'saturate-1' ? 'send, 1 msg/write' : 'send, 16 msgs/write'));
    if (r < 2 && ceiling && ceiling.msgsPerS < 2 * theirs.deliveredPerS) {
      const bare = get('bare Node forwarder', mode);
      line += ` Not measurable here: the load generator alone sends at most ${formatCount(ceiling.msgsPerS)} msg/s this way, less than 2x Mosquitto's${bare ? `; the bare Node forwarder got ${formatCount(bare.deliveredPerS)}` : ''}.`;
    }
    out.push(line);
  }
  const ours = get(OURS, 'rate');
  const theirs = get(mosquitto, 'rate');
  if (ours && theirs) {
    let line = `Fan-in at 5 k msg/s: ours p99 ${formatMs(ours.p99Ms)} ms vs Mosquitto ${formatMs(theirs.p99Ms)} ms (target below: ${ours.p99Ms < theirs.p99Ms ? 'met' : 'NOT met'}).`;
    const paired = pairedRuns(fanIn(OURS, 'rate'), fanIn(mosquitto, 'rate'));
    if (paired) {
      line += ` Run by run (interleaved) ours was below in ${paired.below} of ${paired.runs}, level in ${paired.level};`;
      const micros = (ms: number) => `${Math.round(ms * 1000)} µs`;
      line += ` medians p50 ${micros(ours.p50Ms)} vs ${micros(theirs.p50Ms)}, p99.9 ${micros(ours.p999Ms)} vs ${micros(theirs.p999Ms)}.`;
    }
    // Where the tail is: the broker's part, up to its write reaching the receiver's socket.
    if (Number.isFinite(ours.p99SocketMs) && Number.isFinite(theirs.p99SocketMs)) {
      line += ` To the receiving socket (the broker's share, kernel receive timestamps): ours p99 ${formatMs(ours.p99SocketMs)} ms vs ${formatMs(theirs.p99SocketMs)} ms.`;
    }
    out.push(line);
  }
  // For context, not a target: Mosquitto with acks both ways, as HyperTCP always has.
  const acked = mosquittoQos1 ? get(mosquittoQos1, 'rate') : null;
  if (ours && acked) out.push(`Fan-in at 5 k msg/s vs Mosquitto QoS 1 (PUBACK both ways, like our acks): ours p99 ${formatMs(ours.p99Ms)} ms vs ${formatMs(acked.p99Ms)} ms.`);
  const host = get(HOST, 'rate');
  if (ours && host) out.push(`Fan-in at 5 k msg/s, the whole host (hub logging every frame to SQLite, as users run it): p99 ${formatMs(host.p99Ms)} ms, the broker alone ${formatMs(ours.p99Ms)} ms.`);
  const ackedSat = mosquittoQos1 ? get(mosquittoQos1, 'saturate') : null;
  const oursSat = get(OURS, 'saturate');
  if (oursSat && ackedSat) out.push(`Fan-in saturation, 16 msgs/write, vs Mosquitto QoS 1: ${formatRatio(ratio(oursSat.deliveredPerS, ackedSat.deliveredPerS))}.`);
  return out;
}
