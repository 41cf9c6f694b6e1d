import { describe, expect, it } from 'vitest';
import { fakeRow } from '../../api/fake-client';
import { diffJson } from './diff';
import { hexDump, payloadBytes } from './hex';
import { innerJsonText, messageKind, payloadPreview, previousOfKind, rowJson, targetOf } from './payload';

describe('message detail helpers', () => {
  it('finds the previous message of the same device and kind', () => {
    const t1 = fakeRow({ seq: 1, device: 'p', payload: '{"targetId":"server","payload":{"telemetry":{"t":1}}}' });
    const s1 = fakeRow({ seq: 2, device: 'p', payload: '{"targetId":"server","payload":{"state":{"r":true}}}' });
    const other = fakeRow({ seq: 3, device: 'q', payload: '{"targetId":"server","payload":{"telemetry":{"t":9}}}' });
    const t2 = fakeRow({ seq: 4, device: 'p', payload: '{"targetId":"server","payload":{"telemetry":{"t":2}}}' });
    const rows = [t1, s1, other, t2];
    expect(messageKind(t2)).toBe('in|30|telemetry');
    expect(previousOfKind(rows, t2)).toBe(t1);
    expect(previousOfKind(rows, t1)).toBeNull();
    expect(diffJson(rowJson(t1).inner, rowJson(t2).inner)).toEqual([{ path: 'telemetry.t', kind: 'changed', before: 1, after: 2 }]);
  });
  it('diffs added, removed and nested changes, bounded', () => {
    expect(diffJson({ a: 1, b: { c: 2 } }, { b: { c: 3 }, d: [1] })).toEqual([
      { path: 'a', kind: 'removed', before: 1 },
      { path: 'b.c', kind: 'changed', before: 2, after: 3 },
      { path: 'd', kind: 'added', after: [1] },
    ]);
    const big = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
    expect(diffJson({}, big).length).toBe(500);
  });
  it('falls back to the envelope target when the row has no `to`', () => {
    expect(targetOf(fakeRow({ to: null, payload: '{"targetId":"server","payload":{}}' }))).toBe('server');
    expect(targetOf(fakeRow({ to: null, payload: 'binary' }))).toBe('-');
  });
  it('a cut or non-JSON payload has no JSON', () => {
    expect(rowJson(fakeRow({ payload: '{"a":', cut: true })).envelope).toBeUndefined();
    expect(rowJson(fakeRow({ payload: 'not json' })).envelope).toBeUndefined();
  });
  it('hex dump with offsets and ASCII, announcing what is not shown', () => {
    const dump = hexDump(payloadBytes('{"a":1}'));
    expect(dump.lines[0]).toMatch(/^0000 {2}7b 22 61 22 3a 31 7d\s+\{"a":1\}$/);
    expect(hexDump(new Uint8Array(5000)).hidden).toBe(5000 - 4096);
    expect(Array.from(payloadBytes('00ff'))).toEqual([0, 255]);
  });

  it("previews the message a frame carries, not its envelope, both directions; a cut one from its inner payload on; anything else as it is", () => {
    const preview = (payload: string, over: Parameters<typeof fakeRow>[0] = {}) => payloadPreview(fakeRow({ payload, ...over }));
    expect(preview('{"targetId":"server","payload":{"telemetry":{"temp":21.4,"hum":40}}}')).toBe('telemetry temp=21.4 hum=40');
    expect(preview('{"from":"server","payload":{"cmd":"set","relay":1,"on":true}}', { dir: 'out' })).toBe('cmd=set relay=1 on=true');
    expect(preview('{"targetId":"lamp-2","payload":{"state":{"relay1":true}}}')).toBe('state relay1=true');
    expect(preview('{"from":"lamp-1","payload":{"text":"hello there","list":[1,"a"],"n":null,"o":{"x":{"y":2}}}}', { dir: 'out' })).toBe('text="hello there" list=[1, a] n=null o={x={y=2}}');
    expect(preview('{"targetId":"server","payload":"reboot"}')).toBe('reboot');
    expect(preview('{"targetId":"server","payload":{}}')).toBe('{}');
    // no envelope (legacy JSON): the message itself
    expect(preview('{"relay":1}')).toBe('relay=1');
    // shortened in the log: no JSON any more, the text from the inner payload on
    expect(preview('{"targetId":"server","payload":{"telemetry":{"temp":21.4,"log":"aaaa', { cut: true })).toBe('{"telemetry":{"temp":21.4,"log":"aaaa');
    expect(preview('{"from":"a \\"b\\"","n":1,"payload":[1,2', { cut: true })).toBe('[1,2');
    expect(preview('0a0b0c')).toBe('0a0b0c');
    expect(preview('{"a":', { cut: true })).toBe('{"a":');
    // the tooltip: the inner payload as JSON
    expect(innerJsonText(fakeRow({ payload: '{"targetId":"server","payload":{"telemetry":{"temp":21.4}}}' }))).toBe('{"telemetry":{"temp":21.4}}');
    expect(innerJsonText(fakeRow({ payload: '0a0b' }))).toBeNull();
  });
});
