import { describe, expect, it } from 'vitest';
import { fakeRow } from '../../api/fake-client';
import { compileFilter, filterRows } from './filter';

const state = fakeRow({ device: 'lamp-1', from: 'lamp-1', to: 'server', dir: 'in', status: 200, payload: '{"targetId":"server","payload":{"state":{"relay1":true},"req":"r1"}}' });
const cmd = fakeRow({ device: 'lamp-1', from: 'server', to: 'lamp-1', dir: 'out', status: null, payload: '{"from":"server","payload":{"cmd":"set","control":"relay1","value":true}}' });
const tele = fakeRow({ device: 'probe', from: 'probe', to: 'server', dir: 'in', payload: '{"targetId":"server","payload":{"telemetry":{"temp":21.5}}}' });
const ack = fakeRow({ device: 'probe', cmd: 0, dir: 'out', status: 13, payload: '' });
const all = [state, cmd, tele, ack];
const pick = (q: string) => filterRows(all, compileFilter(q));

describe('traffic filter expressions', () => {
  it('an empty query keeps every row (same array)', () => {
    expect(pick('  ')).toBe(all);
  });
  it('device:, dir:, cmd: by name, alias or code, status: by name or code', () => {
    expect(pick('device:lamp-1')).toEqual([state, cmd]);
    expect(pick('dir:out')).toEqual([cmd, ack]);
    expect(pick('cmd:json_message')).toEqual([state, cmd, tele]);
    expect(pick('cmd:ack')).toEqual([ack]);
    expect(pick('cmd:0')).toEqual([ack]);
    expect(pick('status:payload_too_large')).toEqual([ack]);
    expect(pick('status:200')).toEqual([state]);
  });
  it('JSON fields of the payload or of its inner payload, with = < >', () => {
    expect(pick('state.relay1=true')).toEqual([state]);
    expect(pick('payload.cmd=set')).toEqual([cmd]);
    expect(pick('telemetry.temp>20')).toEqual([tele]);
    expect(pick('telemetry.temp<20')).toEqual([]);
  });
  it('free text, quoted text, negation, AND of terms', () => {
    expect(pick('relay1')).toEqual([state, cmd]);
    expect(pick('"control"')).toEqual([cmd]);
    const spaced = fakeRow({ payload: '{"note":"two words"}' });
    expect(filterRows([spaced, tele], compileFilter('"two words"'))).toEqual([spaced]);
    expect(pick('-device:lamp-1')).toEqual([tele, ack]);
    expect(pick('device:lamp-1 dir:in')).toEqual([state]);
  });
  it('reports bad terms instead of guessing', () => {
    expect(compileFilter('dir:sideways').error).toMatch(/must be "in" or "out"/);
    expect(compileFilter('cmd:nope').error).toMatch(/unknown cmd/);
    expect(compileFilter('temp>warm').error).toMatch(/needs a number/);
    expect(compileFilter(Array(17).fill('x').join(' ')).error).toMatch(/at most 16/);
  });
  it('from: and to: pick one conversation: the sent row (target in its envelope) and its delivery', () => {
    const sentRow = fakeRow({ device: 'fan', from: 'fan', to: null, dir: 'in', payload: '{"targetId":"lamp-1","payload":{"cmd":"on"}}' });
    const delivery = fakeRow({ device: 'lamp-1', from: 'fan', to: 'lamp-1', dir: 'out', status: null, payload: '{"from":"fan","payload":{"cmd":"on"}}' });
    const other = fakeRow({ device: 'fan', from: 'fan', to: null, dir: 'in', payload: '{"targetId":"server","payload":{}}' });
    const rows = [sentRow, delivery, other, ...all];
    expect(filterRows(rows, compileFilter('from:fan to:lamp-1'))).toEqual([sentRow, delivery]);
    expect(filterRows(rows, compileFilter('from:server to:lamp-1'))).toEqual([cmd]);
    expect(filterRows(rows, compileFilter('-to:lamp-1 from:fan'))).toEqual([other]);
    expect(compileFilter('to:').error).toMatch(/to: needs a value/);
  });
  it('does not reach into the prototype', () => {
    expect(pick('constructor.name=Object')).toEqual([]);
    expect(pick('__proto__.x=1')).toEqual([]);
  });
});
