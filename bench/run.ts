/**
 * `npm run bench [-- --full]`: our broker, Mosquitto and Aedes side by side, each in its own child
 * process, on the same load shapes; prints tables and updates docs/BENCHMARKS.md. Method and
 * caveats: docs/BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_LABELS, unavailable, type BrokerKind } from './brokers/control';
import { measureCeiling } from './ceiling';
import { SHAPE_LABELS, type ShapeName } from './load/shapes';
import { measureIdleMemory } from './memory';
import { BURST, FIXED_RATE, runScenario } from './scenario';
import { USAGE, parseArgs, type BenchArgs } from './lib/args';
import { renderMarkdown, renderText, replaceBlock, type Table } from './lib/format';
import { machineInfo } from './lib/proc';
import { OURS, brokerVerdicts, ceilingTable, memoryTable, ratioTable, resultsTable, udpTable, udpVerdicts } from './lib/report';
import { MODE_LABELS, combineUdpRuns, type CeilingRow, type MemoryRow, type ModeName, type ScenarioRow, type UdpRow } from './lib/results';
import { buildNativeLoadgen } from './load/native';
import { lossyLinkAvailable, runOnLossyLink } from './udp/lossy-link';
import { UDP_RATE, runTcpReference, runUdp } from './udp/run-udp';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
let args: BenchArgs;
try {
  args = parseArgs(argv);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
}

if (args.nice !== 0) {
  // Set before anything is spawned: threads and child processes inherit it.
  try {
    os.setPriority(0, args.nice);
  } catch (e) {
    console.error(`--nice=${args.nice}: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  }
}
if (args.generator === 'native') {
  try {
    buildNativeLoadgen();
  } catch (e) {
    console.log(`native load generator unavailable (${e instanceof Error ? e.message.split('\n')[0] : e}): the Node generator runs the load`);
    args.generator = 'node';
  }
}
const started = new Date();
const revision = codeRevision();
const machine = machineInfo();
const loadBefore = machine.loadAvg;
console.log(`HyperTCP bench (${args.full ? 'full' : 'quick'}: ${args.runs > 1 ? `${args.runs} runs, median` : '1 run'}${args.nice ? `, nice ${args.nice}` : ''}), ${machine.nproc} CPUs ${machine.cpuModel}, node ${machine.node}, load ${loadBefore}`);

/** Context rows (references, the acked Mosquitto, the whole host) are measured on fan-in only. */
const FAN_IN_ONLY: ReadonlySet<BrokerKind> = new Set(['bare', 'native', 'mosquitto-qos1', 'host']);
const wanted = (kind: BrokerKind, shape: ShapeName, mode: ModeName): boolean =>
  (!FAN_IN_ONLY.has(kind) || shape === 'fan-in') && (mode !== 'saturate-1' || shape === 'fan-in');

const rows: ScenarioRow[] = [];
for (const shape of args.shapes) {
  for (const mode of args.modes) {
    const kinds = args.brokers.filter((k) => wanted(k, shape, mode));
    if (kinds.length === 0) continue;
    const byKind = new Map<BrokerKind, ScenarioRow>();
    for (const kind of kinds) {
      const row: ScenarioRow = { broker: BROKER_LABELS[kind], shape: SHAPE_LABELS[shape], mode, runs: [] };
      const why = unavailable(kind);
      if (why) row.note = why;
      byKind.set(kind, row);
      rows.push(row);
    }
    // Runs interleave brokers, so each sees the same share of whatever else the machine is doing.
    for (let run = 1; run <= args.runs; run++) {
      for (const kind of kinds) {
        const row = byKind.get(kind)!;
        if (unavailable(kind)) continue;
        const what = `${SHAPE_LABELS[shape]}, ${MODE_LABELS[mode]}, ${row.broker}${args.runs > 1 ? ` run ${run}/${args.runs}` : ''}`;
        try {
          const out = await runScenario(kind, shape, mode, { warmupMs: args.warmupMs, rateWarmupMs: args.rateWarmupMs, measureMs: args.measureMs, window: args.window, generator: args.generator });
          row.runs.push(out.measured);
          if (out.note && !row.note?.includes(out.note)) row.note = [row.note, out.note].filter(Boolean).join('; ');
          const m = out.measured;
          console.log(`  ${what}: ${Math.round(m.deliveredPerS)} msg/s, p50 ${m.p50Ms.toFixed(3)} ms, p99 ${m.p99Ms.toFixed(2)} ms, p99.9 ${m.p999Ms.toFixed(2)} ms${Number.isFinite(m.p99SocketMs) ? ` (p99 at the receiving socket ${m.p99SocketMs.toFixed(2)} ms)` : ''}, CPU ${(m.brokerCpu * 100).toFixed(0)}%${out.note ? ` (${out.note})` : ''}`);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          row.note = [row.note, `error: ${message.slice(0, 200)}`].filter(Boolean).join('; ');
          console.log(`  ${what}: ERROR ${message}`);
        }
      }
    }
  }
}

const ceilings: CeilingRow[] = [];
if (args.ceiling) {
  const protocols = new Set(args.brokers.map((k) => (k.startsWith('mosquitto') || k === 'aedes' ? 'mqtt' : 'hypertcp')));
  for (const protocol of protocols) {
    for (const [side, batch] of [['send', BURST], ['send', 1], ['receive', BURST]] as const) {
      try {
        ceilings.push(await measureCeiling(protocol, side, batch, args.measureMs / 2, args.generator));
      } catch (e) {
        console.log(`  generator ceiling ${protocol} ${side}: ERROR ${e instanceof Error ? e.message : e}`);
      }
    }
  }
}

const memory: MemoryRow[] = [];
if (args.memory) {
  for (const kind of args.brokers.filter((k) => !FAN_IN_ONLY.has(k))) {
    const why = unavailable(kind);
    if (why) {
      memory.push({ broker: BROKER_LABELS[kind], connections: 0, baselineMiB: NaN, loadedMiB: NaN, bytesPerConnection: NaN, note: why });
      continue;
    }
    try {
      const row = await measureIdleMemory(kind, BROKER_LABELS[kind], args.connections);
      memory.push(row);
      console.log(`  idle memory ${row.broker}: ${Math.round(row.bytesPerConnection)} B per connection`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      memory.push({ broker: BROKER_LABELS[kind], connections: 0, baselineMiB: NaN, loadedMiB: NaN, bytesPerConnection: NaN, note: `error: ${message.slice(0, 200)}` });
    }
  }
}

const udp: UdpRow[] = [];
const kernelLoss = args.udp && lossyLinkAvailable();
if (args.udp) {
  for (const loss of [0, 0.05, 0.2]) {
    if (kernelLoss) {
      try {
        const rows = await runOnLossyLink(loss, args.warmupMs, args.rateWarmupMs, args.measureMs, args.runs);
        udp.push(...rows);
        for (const r of rows) console.log(`  ${r.transport}, ${loss * 100}% loss, ${r.mode}: ${Math.round(r.goodputPerS)} msg/s, p99 ${r.p99Ms.toFixed(2)} ms`);
      } catch (e) {
        console.log(`  lossy link ${loss * 100}%: ERROR ${e instanceof Error ? e.message : e}`);
      }
      continue;
    }
    // No network namespace here: a userspace proxy drops UDP datagrams; TCP only without loss.
    for (const mode of ['saturate', 'rate'] as const) {
      if (loss === 0) await repeatUdp(`TCP ${mode}`, () => runTcpReference(mode, mode === 'rate' ? args.rateWarmupMs : args.warmupMs, args.measureMs));
      await repeatUdp(`UDP ${loss * 100}% ${mode}`, () => runUdp(loss, mode, mode === 'rate' ? args.rateWarmupMs : args.warmupMs, args.measureMs));
    }
  }
}

async function repeatUdp(what: string, measure: () => Promise<UdpRow>): Promise<void> {
  const runs: UdpRow[] = [];
  for (let run = 1; run <= args.runs; run++) {
    try {
      runs.push(await measure());
    } catch (e) {
      console.log(`  ${what}: ERROR ${e instanceof Error ? e.message : e}`);
    }
  }
  if (runs.length > 0) udp.push(combineUdpRuns(runs));
}

const others = [BROKER_LABELS.mosquitto, BROKER_LABELS['mosquitto-qos1'], BROKER_LABELS.aedes].filter((o) => rows.some((r) => r.broker === o && r.runs.length > 0));
const sections: [string, Table][] = [['Results', resultsTable(rows)]];
if (rows.some((r) => r.broker === OURS) && others.length > 0) sections.push([`Ratios: ${OURS} vs the others`, ratioTable(rows, others)]);
if (memory.length > 0) sections.push([`Memory per idle authenticated connection (${args.connections} connections)`, memoryTable(memory)]);
if (ceilings.length > 0) sections.push(['Load generator ceiling (no broker in the path)', ceilingTable(ceilings)]);
const verdicts = [...brokerVerdicts(rows, BROKER_LABELS.mosquitto, BROKER_LABELS['mosquitto-qos1'], ceilings), ...udpVerdicts(udp)];
if (udp.length > 0) {
  const link = kernelLoss ? 'loss by nftables in a private network namespace, both transports' : 'loss by a userspace UDP proxy; TCP without loss';
  sections.push([`UDP transport (issue 5): one device, reliable ordered 64-byte messages (${link})`, udpTable(udp, UDP_RATE)]);
}

const seconds = Math.round((Date.now() - started.getTime()) / 1000);
const loadAfter = machineInfo().loadAvg;
for (const [title, table] of sections) console.log(`\n${title}\n\n${renderText(table)}`);
for (const line of verdicts) console.log(line);
console.log(`\n${seconds} s; load average before ${loadBefore}, after ${loadAfter}`);

if (args.writeDoc) {
  const docPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/BENCHMARKS.md');
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const body = [
    `Command: \`${command}\`${args.nice ? ` as root (nice ${args.nice}: the bench, brokers and generator favoured over other work on the machine)` : ''} (${args.runs > 1 ? `${args.runs} interleaved runs per row, median of each metric` : '1 run per row'}; ${args.warmupMs / 1000} s warm-up (${args.rateWarmupMs / 1000} s at a fixed rate), ${args.measureMs / 1000} s measured per run; fixed rate ${FIXED_RATE} delivered msg/s, ${args.generator === 'native' ? 'native' : 'Node'} load generator).`,
    '',
    `Code: ${revision}.`,
    '',
    `Date: ${started.toISOString()}, ${seconds} s in all. Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memGiB} GiB, ${machine.os}, node ${machine.node}. Load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}.`,
    '',
    ...sections.flatMap(([title, table]) => [`#### ${title}`, '', renderMarkdown(table), '']),
    ...verdicts.map((v) => `- ${v}`),
  ].join('\n');
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const marker = args.full ? 'full' : 'quick';
  writeFileSync(docPath, replaceBlock(doc, `<!-- bench:${marker}:start -->`, `<!-- bench:${marker}:end -->`, body));
  console.log(`updated ${path.relative(process.cwd(), docPath)} (${marker} results)`);
}
process.exit(0);

/** The commit measured, and whether the broker or protocol code had uncommitted changes. */
function codeRevision(): string {
  try {
    const git = (...a: string[]): string => execFileSync('git', a, { encoding: 'utf8' });
    // Porcelain lines are "XY path": keep the leading status columns intact before cutting them.
    const dirty = git('status', '--porcelain', '--', 'electron/broker', 'electron/udp', 'shared/protocol').split('\n').filter(Boolean).map((l) => l.slice(3));
    return `commit ${git('rev-parse', '--short', 'HEAD').trim()}${dirty.length > 0 ? ` with uncommitted changes in ${dirty.join(', ')}` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
