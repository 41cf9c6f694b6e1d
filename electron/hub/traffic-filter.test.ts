import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { Command, Status } from '../../shared/protocol/constants';
import { openDatabase } from './db';
import { FilterError, compileFilter } from './traffic-filter';
import { TrafficLog } from './traffic-log';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
const db = openDatabase(`${tmp.dir}/f.db`);
afterAll(() => {
  db.close();
  tmp.cleanup();
});

const row = (seq: number, p: Partial<TrafficRow>): TrafficRow => ({
  seq, ts: 1_700_000_000_000 + seq, dir: 'in', device: 'lamp-1', from: 'lamp-1', to: 'server', cmd: Command.JSON_MESSAGE,
  msgId: seq, size: 10, status: Status.SUCCESS, payload: '{}', cut: false, ...p,
});

const rows: TrafficRow[] = [
  row(1, { payload: '{"targetId":"server","payload":{"state":{"relay1":true},"req":"r1"}}' }),
  row(2, { payload: '{"targetId":"server","payload":{"telemetry":{"temp":21.5}}}' }),
  row(3, { dir: 'out', device: 'fan-2', from: 'server', to: 'fan-2', payload: '{"from":"server","payload":{"cmd":"toggle","control":"relay1"}}' }),
  row(4, { device: 'fan-2', from: 'fan-2', to: 'lamp-1', status: Status.TARGET_OFFLINE, payload: '{"targetId":"lamp-1","payload":{"temp":30}}' }),
  row(5, { payload: 'deadbeef00', cmd: Command.BROADCAST, to: 'broadcast' }),
  row(6, { payload: '{"targetId":"server","payload":{"note":"Hello World"}}' }),
];
const log = new TrafficLog(db);
for (const r of rows) log.append(r);
log.flush();

describe('traffic filter language: SQL and in-memory forms agree', () => {
  const cases: [string, number[]][] = [
    ['', [1, 2, 3, 4, 5, 6]],
    ['device:fan-2', [3, 4]],
    ['-device:fan-2', [1, 2, 5, 6]],
    ['dir:out', [3]],
    ['cmd:broadcast', [5]],
    ['cmd:50', [5]],
    ['cmd:json dir:in', [1, 2, 4, 6]],
    ['status:target_offline', [4]],
    ['status:7', [4]],
    ['state.relay1=true', [1]],
    ['telemetry.temp>20', [2]],
    ['temp>25', [4]],
    ['temp<25', []],
    ['cmd=toggle', [3]],
    ['hello', [6]],
    ['"hello world"', [6]],
    ['HELLO device:lamp-1', [6]],
    ['lamp-1', [1, 2, 4, 5, 6]],
    ['deadbeef', [5]],
  ];
  for (const [query, expected] of cases) {
    it(`"${query}"`, () => {
      const f = compileFilter(query);
      const viaSql = log.page(f, 100).rows.map((r) => r.seq).sort((a, b) => a - b);
      const viaJs = rows.filter((r) => f.matches(r)).map((r) => r.seq);
      expect(viaSql).toEqual(expected);
      expect(viaJs).toEqual(expected);
    });
  }

  it('rejects bad expressions with a message that names the term', () => {
    expect(() => compileFilter('dir:up')).toThrow(new FilterError('dir:up: must be "in" or "out"'));
    expect(() => compileFilter('cmd:nope')).toThrow(/cmd:nope: unknown cmd/);
    expect(() => compileFilter('status:')).toThrow(/status: needs a value/);
    expect(() => compileFilter('temp>warm')).toThrow(/> needs a number/);
    expect(() => compileFilter('a '.repeat(17))).toThrow(/at most 16/);
  });

  it('cannot inject SQL through values or paths', () => {
    const f = compileFilter(`device:x'OR'1'='1 "'); DROP TABLE traffic; --"`);
    expect(log.page(f, 100).rows).toEqual([]);
    expect(log.page(compileFilter(''), 100).rows).toHaveLength(rows.length);
  });

  it('free text in upper-case letters beyond ASCII is found in the stored log, as the live view finds it', () => {
    const db2 = openDatabase(`${tmp.dir}/unicode.db`);
    const log2 = new TrafficLog(db2);
    const stored = [row(1, { payload: '{"note":"Ölpumpe AUS"}' }), row(2, { payload: '{"note":"Ärger über Ñandú"}' })];
    for (const r of stored) log2.append(r);
    log2.flush();
    for (const [query, expected] of [['Ölpumpe', [1]], ['Ärger', [2]], ['Ñandú', [2]], ['aus', [1]]] as const) {
      const f = compileFilter(`"${query}"`);
      const viaSql = log2.page(f, 100).rows.map((r) => r.seq).sort((a, b) => a - b);
      expect(viaSql, query).toEqual([...expected]);
      // whatever the stored search finds, the live view finds too
      for (const seq of viaSql) expect(f.matches(stored[seq - 1]!), query).toBe(true);
    }
    db2.close();
  });
});

describe('a negated term keeps the rows it says nothing about (empty columns), stored and live alike', () => {
  const nullDb = openDatabase(`${tmp.dir}/negations.db`);
  afterAll(() => nullDb.close());
  const withGaps: TrafficRow[] = [
    row(1, { payload: '{"targetId":"server","payload":{"state":{"relay1":true}}}' }),
    row(2, { payload: '{"targetId":"server","payload":{"note":"hello"}}' }),
    // a ping: no sender, target or status of its own
    row(3, { cmd: Command.PING, from: null, to: null, status: null, payload: '' }),
    row(4, { dir: 'out', device: 'fan-2', from: 'server', to: 'fan-2', status: null, payload: '{"from":"server","payload":{"cmd":"toggle"}}' }),
  ];
  const gapLog = new TrafficLog(nullDb);
  for (const r of withGaps) gapLog.append(r);
  gapLog.flush();
  const cases: [string, number[]][] = [
    ['-hello', [1, 3, 4]],
    ['-status:success', [3, 4]],
    ['-state.relay1=true', [2, 3, 4]],
    ['-from:lamp-1', [3, 4]],
  ];
  for (const [query, expected] of cases) {
    it(`"${query}"`, () => {
      const f = compileFilter(query);
      expect(gapLog.page(f, 100).rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(expected);
      expect(withGaps.filter((r) => f.matches(r)).map((r) => r.seq)).toEqual(expected);
    });
  }
});

describe('from: and to: (a conversation), SQL and in-memory forms agree', () => {
  const convDb = openDatabase(`${tmp.dir}/conv.db`);
  afterAll(() => convDb.close());
  // as the broker logs them: a device's message 'in' has no `to`, its target is the envelope's targetId
  const conv: TrafficRow[] = [
    row(1, { from: 'fan-2', to: null, device: 'fan-2', payload: '{"targetId":"lamp-1","payload":{"temp":30}}' }),
    row(2, { dir: 'out', from: 'fan-2', to: 'lamp-1', device: 'lamp-1', status: null, payload: '{"from":"fan-2","payload":{"temp":30}}' }),
    row(3, { from: 'fan-2', to: null, device: 'fan-2', payload: '{"targetId":"server","payload":{"state":{}}}' }),
    row(4, { from: 'lamp-1', to: 'broadcast', device: 'lamp-1', cmd: Command.BROADCAST, payload: '{"targetId":"broadcast","payload":{}}' }),
    row(5, { dir: 'out', from: 'server', to: 'fan-2', device: 'fan-2', status: null, payload: '{"from":"server","payload":{"cmd":"toggle"}}' }),
    row(6, { from: null, to: null, cmd: Command.PING, payload: '' }),
    row(7, { from: 'fan-2', to: null, device: 'fan-2', payload: 'deadbeef' }),
  ];
  const convLog = new TrafficLog(convDb);
  for (const r of conv) convLog.append(r);
  convLog.flush();
  const cases: [string, number[]][] = [
    ['from:fan-2', [1, 2, 3, 7]],
    ['from:fan-2 to:lamp-1', [1, 2]],
    ['to:server', [3]],
    ['to:fan-2', [5]],
    ['to:broadcast', [4]],
    ['from:server to:fan-2', [5]],
    ['-from:fan-2', [4, 5, 6]],
    ['-to:lamp-1', [3, 4, 5, 6, 7]],
    ['FROM:fan-2 TO:server', [3]],
  ];
  for (const [query, expected] of cases) {
    it(`"${query}"`, () => {
      const f = compileFilter(query);
      expect(convLog.page(f, 100).rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(expected);
      expect(conv.filter((r) => f.matches(r)).map((r) => r.seq)).toEqual(expected);
    });
  }
  it('needs a value', () => {
    expect(() => compileFilter('to:')).toThrow(/to: needs a value/);
    expect(() => compileFilter('from:')).toThrow(/from: needs a value/);
  });
});
