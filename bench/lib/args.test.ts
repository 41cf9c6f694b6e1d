import { describe, expect, it } from 'vitest';
import { parseArgs } from './args';

describe('bench arguments', () => {
  it('defaults to a quick run of every broker, shape and mode', () => {
    const a = parseArgs([]);
    expect(a).toMatchObject({ full: false, runs: 1, connections: 5000, memory: true, writeDoc: true });
    expect(a.brokers).toEqual(['hypertcp', 'host', 'mosquitto', 'mosquitto-qos1', 'aedes', 'bare']);
  });

  it('--full means 3 runs and longer windows', () => {
    const a = parseArgs(['--full']);
    expect(a.runs).toBe(3);
    expect(a.measureMs).toBeGreaterThan(parseArgs([]).measureMs);
    expect(parseArgs(['--full', '--runs=9']).runs).toBe(9);
    expect(parseArgs(['--runs=5'])).toMatchObject({ full: false, runs: 5 });
    expect(() => parseArgs(['--runs=0'])).toThrow(/positive integer/);
  });

  it('parses lists and numbers, and refuses what it does not know', () => {
    const a = parseArgs(['--brokers=hypertcp,aedes', '--shapes=pairs', '--connections=100', '--no-doc']);
    expect(a).toMatchObject({ brokers: ['hypertcp', 'aedes'], shapes: ['pairs'], connections: 100, writeDoc: false });
    expect(() => parseArgs(['--brokers=rabbitmq'])).toThrow(/unknown broker/);
    expect(parseArgs(['--brokers=native,mosquitto']).brokers).toEqual(['native', 'mosquitto']); // asked for by name only
    expect(() => parseArgs(['--connections=-1'])).toThrow(/positive integer/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
    expect(parseArgs(['--nice=-5', '--window=8', '--no-udp'])).toMatchObject({ nice: -5, window: 8, udp: false });
    expect(parseArgs([]).rateWarmupMs).toBeGreaterThan(parseArgs([]).warmupMs);
    expect(parseArgs(['--rate-warmup-ms=2000']).rateWarmupMs).toBe(2000);
    expect(() => parseArgs(['--nice=-25'])).toThrow(/from -20 to 19/);
    expect(parseArgs([]).generator).toBe('native');
    expect(parseArgs(['--generator=node']).generator).toBe('node');
    expect(() => parseArgs(['--generator=go'])).toThrow(/unknown generator/);
  });
});
