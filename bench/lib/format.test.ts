import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatMs, formatRatio, renderMarkdown, renderText, replaceBlock } from './format';
import { brokerVerdicts, pairedRuns, ratioTable, resultsTable, udpTable, udpVerdicts } from './report';
import { combineUdpRuns, type Measured, type ScenarioRow, type UdpRow } from './results';

describe('number formatting', () => {
  it('formats counts, milliseconds, ratios and bytes', () => {
    expect(formatCount(812)).toBe('812');
    expect(formatCount(93_456)).toBe('93.5 k');
    expect(formatCount(418_000)).toBe('418 k');
    expect(formatCount(1_234_567)).toBe('1.23 M');
    expect(formatCount(NaN)).toBe('-');
    expect(formatMs(0.085)).toBe('0.09');
    expect(formatMs(12.345)).toBe('12.3');
    expect(formatMs(250.4)).toBe('250');
    expect(formatRatio(2.3149)).toBe('2.31x');
    expect(formatRatio(Infinity)).toBe('-');
    expect(formatBytes(734)).toBe('734 B');
    expect(formatBytes(7186)).toBe('7.0 KiB');
  });
});

describe('tables', () => {
  const table = { headers: ['name', 'n'], align: ['left', 'right'] as const, rows: [['a|b', '1'], ['long name', '12345']] };

  it('renders markdown with alignment and escaped pipes', () => {
    expect(renderMarkdown({ ...table, align: [...table.align] })).toBe('| name | n |\n|---|---:|\n| a\\|b | 1 |\n| long name | 12345 |');
  });

  it('renders aligned text columns', () => {
    const lines = renderText({ ...table, align: [...table.align] }).split('\n');
    expect(lines[0]).toBe('name           n');
    expect(lines[2]).toBe('a|b            1');
    expect(lines[3]).toBe('long name  12345');
  });

  it('replaces a marked block, or appends it once', () => {
    const doc = 'intro\n<!-- s -->\nold\n<!-- e -->\noutro\n';
    expect(replaceBlock(doc, '<!-- s -->', '<!-- e -->', 'new')).toBe('intro\n<!-- s -->\nnew\n<!-- e -->\noutro\n');
    const appended = replaceBlock('intro\n', '<!-- s -->', '<!-- e -->', 'new');
    expect(appended).toBe('intro\n\n<!-- s -->\nnew\n<!-- e -->\n');
    expect(replaceBlock(appended, '<!-- s -->', '<!-- e -->', 'x')).toBe('intro\n\n<!-- s -->\nx\n<!-- e -->\n');
  });
});

describe('result and ratio tables', () => {
  const m = (deliveredPerS: number, p99Ms: number): Measured => ({
    deliveredPerS, sentPerS: deliveredPerS, p50Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms * 3, p99SocketMs: NaN, brokerCpu: 1, msgsPerCpuS: deliveredPerS,
    peakRssMiB: 50, generatorCpu: 0.5, lost: 0, refused: 0, errors: 0,
  });
  const rows: ScenarioRow[] = [
    { broker: 'HyperTCP (ours)', shape: 'fan-in 100 to 1', mode: 'saturate', runs: [m(200_000, 10), m(300_000, 30), m(250_000, 20)] },
    { broker: 'Mosquitto', shape: 'fan-in 100 to 1', mode: 'saturate', runs: [m(100_000, 40)] },
    { broker: 'Aedes', shape: 'fan-in 100 to 1', mode: 'saturate', runs: [], note: 'skipped: not installed' },
  ];

  it('reports the median of the runs and says so', () => {
    const t = resultsTable(rows);
    expect(t.rows[0]!.slice(3, 6)).toEqual(['250 k', '10.0', '20.0']);
    expect(t.rows[0]!.at(-1)).toBe('median of 3');
    expect(t.rows[2]!.at(-1)).toBe('skipped: not installed');
  });

  it('states the issue 3 fan-in target', () => {
    const v = brokerVerdicts(rows, 'Mosquitto');
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('ours 250 k msg/s = 2.50x Mosquitto\'s 100 k (target at least 2x: met)');
    const slower: ScenarioRow[] = [{ ...rows[0]!, runs: [m(150_000, 10)] }, rows[1]!];
    expect(brokerVerdicts(slower, 'Mosquitto')[0]).toContain('NOT met');
  });

  it('adds the Mosquitto QoS 1 context lines when those rows exist', () => {
    const withQos1: ScenarioRow[] = [
      ...rows,
      { broker: 'Mosquitto QoS 1', shape: 'fan-in 100 to 1', mode: 'saturate', runs: [m(80_000, 50)] },
      { broker: 'HyperTCP (ours)', shape: 'fan-in 100 to 1', mode: 'rate', runs: [m(5000, 0.3)] },
      { broker: 'Mosquitto', shape: 'fan-in 100 to 1', mode: 'rate', runs: [m(5000, 0.2)] },
      { broker: 'Mosquitto QoS 1', shape: 'fan-in 100 to 1', mode: 'rate', runs: [m(5000, 0.4)] },
    ];
    const v = brokerVerdicts(withQos1, 'Mosquitto', 'Mosquitto QoS 1');
    expect(v).toContain('Fan-in at 5 k msg/s: ours p99 0.30 ms vs Mosquitto 0.20 ms (target below: NOT met).');
    expect(v.some((line) => line.includes('vs Mosquitto QoS 1 (PUBACK both ways, like our acks): ours p99 0.30 ms vs 0.40 ms'))).toBe(true);
    expect(v.some((line) => line.includes('16 msgs/write, vs Mosquitto QoS 1: 3.13x'))).toBe(true);
    expect(brokerVerdicts(rows, 'Mosquitto', 'Mosquitto QoS 1')).toHaveLength(1);
  });

  it('counts fixed-rate runs ours won, run by run, when the rows have several', () => {
    const rate = (broker: string, p99s: number[]): ScenarioRow => ({ broker, shape: 'fan-in 100 to 1', mode: 'rate', runs: p99s.map((p) => m(5000, p)) });
    const v = brokerVerdicts([rate('HyperTCP (ours)', [0.08, 0.1, 0.3, 0.06]), rate('Mosquitto', [0.12, 0.1, 0.09, 0.11])], 'Mosquitto');
    // medians 0.09 vs 0.105; below in runs 1 and 4, level in run 2
    expect(v).toContain('Fan-in at 5 k msg/s: ours p99 0.09 ms vs Mosquitto 0.11 ms (target below: met). Run by run (interleaved) ours was below in 2 of 4, level in 1; medians p50 45 µs vs 53 µs, p99.9 270 µs vs 315 µs.');
    expect(pairedRuns([m(5000, 0.1)], [m(5000, 0.2)])).toBeNull(); // one run: nothing to pair
    expect(pairedRuns([m(5000, 0.1), m(5000, 0.1)], [m(5000, 0.2)])).toBeNull(); // a run missing: no pairing
  });

  it('adds the p99 to the receiving socket when both rows have it (the native generator)', () => {
    const rate = (broker: string, p99: number, atSocket: number): ScenarioRow => ({ broker, shape: 'fan-in 100 to 1', mode: 'rate', runs: [{ ...m(5000, p99), p99SocketMs: atSocket }] });
    const [line] = brokerVerdicts([rate('HyperTCP (ours)', 0.12, 0.09), rate('Mosquitto', 0.08, 0.06)], 'Mosquitto');
    expect(line).toContain("To the receiving socket (the broker's share, kernel receive timestamps): ours p99 0.09 ms vs 0.06 ms.");
    const [without] = brokerVerdicts([rate('HyperTCP (ours)', 0.12, NaN), rate('Mosquitto', 0.08, 0.06)], 'Mosquitto');
    expect(without).not.toContain('receiving socket');
  });

  it('states the whole host\'s p99 beside the broker\'s when that row exists', () => {
    const withHost: ScenarioRow[] = [
      ...rows,
      { broker: 'HyperTCP (ours)', shape: 'fan-in 100 to 1', mode: 'rate', runs: [m(5000, 0.3)] },
      { broker: 'HyperTCP host (ours, with hub and SQLite)', shape: 'fan-in 100 to 1', mode: 'rate', runs: [m(5000, 5.5)] },
    ];
    expect(brokerVerdicts(withHost, 'Mosquitto')).toContain('Fan-in at 5 k msg/s, the whole host (hub logging every frame to SQLite, as users run it): p99 5.5 ms, the broker alone 0.30 ms.');
    expect(brokerVerdicts(rows, 'Mosquitto').some((line) => line.includes('whole host'))).toBe(false);
  });

  it('says when the load generator cannot offer 2x Mosquitto (a row that measures the machine)', () => {
    const oneByOne: ScenarioRow[] = [
      { broker: 'HyperTCP (ours)', shape: 'fan-in 100 to 1', mode: 'saturate-1', runs: [m(300_000, 10)] },
      { broker: 'Mosquitto', shape: 'fan-in 100 to 1', mode: 'saturate-1', runs: [m(250_000, 20)] },
      { broker: 'bare Node forwarder', shape: 'fan-in 100 to 1', mode: 'saturate-1', runs: [m(290_000, 10)] },
    ];
    const low = [{ protocol: 'hypertcp', side: 'send, 1 msg/write', msgsPerS: 400_000 }];
    const [line] = brokerVerdicts(oneByOne, 'Mosquitto', undefined, low);
    expect(line).toContain('NOT met');
    expect(line).toContain('Not measurable here: the load generator alone sends at most 400 k msg/s');
    expect(line).toContain('the bare Node forwarder got 290 k');
    const high = [{ protocol: 'hypertcp', side: 'send, 1 msg/write', msgsPerS: 900_000 }];
    expect(brokerVerdicts(oneByOne, 'Mosquitto', undefined, high)[0]).not.toContain('Not measurable');
  });

  it('computes ours / theirs per shape and marks missing comparisons', () => {
    const t = ratioTable(rows, ['Mosquitto', 'Aedes']);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0]!.slice(2)).toEqual(['2.50x', '0.50x', '2.50x', '-', '-', '-']);
  });
});

describe('UDP rows', () => {
  const row = (transport: 'UDP reliable' | 'TCP', loss: number, mode: 'saturate' | 'rate', goodputPerS: number, p99Ms: number): UdpRow => ({
    transport, loss, mode, goodputPerS, p50Ms: p99Ms / 4, p99Ms, brokerCpu: 0.2, datagramsPerCpuS: 30_000, failed: 0,
  });

  it('takes the median per field over runs', () => {
    const c = combineUdpRuns([row('UDP reliable', 0, 'rate', 100, 9), row('UDP reliable', 0, 'rate', 300, 1), row('UDP reliable', 0, 'rate', 200, 5)]);
    expect(c).toMatchObject({ goodputPerS: 200, p99Ms: 5, transport: 'UDP reliable' });
  });

  it('states the issue 5 targets against the rows', () => {
    const v = udpVerdicts([row('UDP reliable', 0, 'saturate', 40_000, 3), row('UDP reliable', 0.05, 'saturate', 36_000, 3), row('UDP reliable', 0.05, 'rate', 1000, 7), row('TCP', 0, 'rate', 1000, 0.66)]);
    expect(v[0]).toContain('0.90x');
    expect(v[1]).toContain('7.0 ms vs TCP p99 without loss 0.66 ms');
    const same = udpVerdicts([row('UDP reliable', 0.05, 'rate', 1000, 7), row('TCP', 0.05, 'rate', 1000, 210)]);
    expect(same[0]).toContain('reliable UDP p99 7.0 ms is below TCP\'s 210 ms');
    expect(udpVerdicts([row('UDP reliable', 0.05, 'rate', 1000, 9), row('TCP', 0.05, 'rate', 1000, 4)])[0]).toContain('NOT below');
    expect(udpTable([row('TCP', 0, 'rate', 1000, 0.66)], 1000).rows[0]).toEqual(['TCP', '0%', 'fixed 1.0 k msg/s', '1.0 k', '0.17', '0.66', '20%', '30.0 k', '0']);
  });
});
