import { describe, expect, it, vi } from 'vitest';
import type { DeviceSummary, EventBatch, TrafficRow } from '../../shared/api/contract';
import type { HubDelta } from '../hub/hub';
import { boundedNotices, EventPump } from './pump';

const row = (seq: number): TrafficRow => ({ seq, ts: seq, dir: 'in', device: 'a', from: 'a', to: 'server', cmd: 30, msgId: seq, size: 2, status: 200, payload: '{}', cut: false });
const emptyDelta = (): HubDelta => ({ devices: [], removedDevices: [], traffic: [], trafficSkipped: 0, counters: { logged: 0, shown: 0, dropped: 0, writing: 0 }, metrics: null, deviceRates: null, controlResults: [], notices: [] });

function source() {
  let next = emptyDelta();
  const shown: number[] = [];
  return {
    shown,
    push(d: Partial<HubDelta>) {
      next = { ...next, ...d, devices: [...next.devices, ...(d.devices ?? [])], removedDevices: [...next.removedDevices, ...(d.removedDevices ?? [])], traffic: [...next.traffic, ...(d.traffic ?? [])] };
    },
    takeDelta() {
      const d = next;
      next = emptyDelta();
      return d;
    },
    device: (id: string) => ({ id, name: id }) as DeviceSummary,
    markShown: (rows: TrafficRow[]) => shown.push(...rows.map((r) => r.seq)),
  };
}

describe('EventPump', () => {
  it('sends nothing per message: one coalesced batch per tick, none when nothing changed', () => {
    const src = source();
    const pump = new EventPump(src, { maxTraffic: 50 });
    const got: EventBatch[] = [];
    pump.subscribe((b) => {
      got.push(b);
      pump.ack(b.seq);
    });
    pump.tick(0);
    expect(got).toHaveLength(0);
    src.push({ devices: ['a', 'b', 'a'], traffic: [row(1), row(2), row(3)] });
    pump.tick(100);
    expect(got).toHaveLength(1);
    expect(got[0]!.devices!.map((d) => d.id)).toEqual(['a', 'b']);
    expect(got[0]!.traffic!.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('tells a UI about forgotten devices, also while it has not acked, and drops their pending summaries', () => {
    const src = source();
    const pump = new EventPump(src);
    const got: EventBatch[] = [];
    pump.subscribe((b) => got.push(b));
    src.push({ devices: ['a'] });
    pump.tick(0);
    src.push({ devices: ['b', 'gone'] });
    pump.tick(100);
    src.push({ removedDevices: ['gone'] });
    pump.tick(200);
    expect(got).toHaveLength(1); // still waiting for the ack
    pump.ack(got[0]!.seq);
    pump.tick(300);
    expect(got[1]!.devices!.map((d) => d.id)).toEqual(['b']);
    expect(got[1]!.removedDevices).toEqual(['gone']);
    // forgotten and back again (a new token): only the summary goes out
    src.push({ removedDevices: ['b'] });
    src.push({ devices: ['b'] });
    pump.ack(got[1]!.seq);
    pump.tick(400);
    expect(got[2]!.removedDevices).toBeUndefined();
    expect(got[2]!.devices!.map((d) => d.id)).toEqual(['b']);
  });

  it('reports a changed device that no longer exists as removed', () => {
    const src = { ...source(), device: (id: string) => (id === 'vanished' ? null : ({ id, name: id }) as DeviceSummary) };
    const pump = new EventPump(src);
    const got: EventBatch[] = [];
    pump.subscribe((b) => got.push(b));
    src.push({ devices: ['here', 'vanished'] });
    pump.tick(0);
    expect(got[0]!.devices!.map((d) => d.id)).toEqual(['here']);
    expect(got[0]!.removedDevices).toEqual(['vanished']);
  });

  it('waits for the ack, coalesces meanwhile within bounds, and skips ahead to the newest rows', () => {
    const src = source();
    const pump = new EventPump(src, { maxTraffic: 10, ackTimeoutMs: 5000 });
    const got: EventBatch[] = [];
    pump.subscribe((b) => got.push(b));
    src.push({ traffic: [row(1)] });
    pump.tick(0);
    for (let t = 1; t <= 20; t++) {
      src.push({ devices: [`d${t % 3}`], traffic: Array.from({ length: 100 }, (_, i) => row(t * 1000 + i)), trafficSkipped: 5 });
      pump.tick(t * 100);
    }
    expect(got).toHaveLength(1);
    pump.ack(got[0]!.seq);
    pump.tick(2100);
    expect(got).toHaveLength(2);
    const b = got[1]!;
    expect(b.traffic!.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 20_090 + i));
    expect(b.trafficSkipped).toBe(20 * 100 - 10 + 20 * 5);
    expect(b.devices!.map((d) => d.id).sort()).toEqual(['d0', 'd1', 'd2']);
    expect(src.shown).toEqual([1, ...b.traffic!.map((r) => r.seq)]);
  });

  it('at most one batch per tick (10/s at 100 ms) even when the UI acks at once', () => {
    const src = source();
    const pump = new EventPump(src);
    let count = 0;
    pump.subscribe((b) => {
      count++;
      pump.ack(b.seq);
    });
    for (let t = 0; t < 10; t++) {
      for (let i = 0; i < 1000; i++) src.push({ traffic: [row(t * 1000 + i)] });
      pump.tick(t * 100);
    }
    expect(count).toBe(10);
  });

  it('resends after the ack timeout, and a throwing listener does not stop the others', () => {
    const src = source();
    const pump = new EventPump(src, { ackTimeoutMs: 1000 });
    const got: EventBatch[] = [];
    pump.subscribe(() => {
      throw new Error('broken UI');
    });
    pump.subscribe((b) => got.push(b));
    src.push({ notices: [{ level: 'info', text: 'one' }] });
    pump.tick(0);
    src.push({ notices: [{ level: 'info', text: 'two' }] });
    pump.tick(500);
    expect(got).toHaveLength(1);
    pump.tick(1000);
    expect(got).toHaveLength(2);
    expect(got[1]!.notices).toEqual([{ level: 'info', text: 'two' }]);
  });

  it('holds a subscriber that cannot take a batch (a full send buffer) and sends it every change once it can, merged', () => {
    const src = source();
    const pump = new EventPump(src);
    const got: EventBatch[] = [];
    let ready = false;
    pump.subscribe(
      (b) => {
        got.push(b);
        pump.ack(b.seq);
      },
      () => ready,
    );
    src.push({ devices: ['lamp'], notices: [{ level: 'warn', text: 'lamp is offline' }] });
    pump.tick(100);
    src.push({ devices: ['pump'], removedDevices: ['old'] });
    pump.tick(200);
    expect(got).toEqual([]);
    ready = true;
    pump.tick(300);
    expect(got).toHaveLength(1);
    expect(got[0]!.devices!.map((d) => d.id).sort()).toEqual(['lamp', 'pump']);
    expect(got[0]).toMatchObject({ removedDevices: ['old'], notices: [{ level: 'warn', text: 'lamp is offline' }] });
  });

  it('keeps offline alerts and errors when a flood of failed logins passes the 20 notices a subscriber holds', () => {
    const alert = { level: 'warn' as const, text: 'lamp is offline: keepalive timeout — for 30 s', device: 'lamp', alert: 'offline' as const };
    const failed = (i: number) => ({ level: 'warn' as const, text: `login failed from 10.0.0.${i}: invalid_token` });
    const list = [failed(0), alert, ...Array.from({ length: 30 }, (_, i) => failed(i + 1)), { level: 'error' as const, text: 'traffic writer gone' }];
    const kept = boundedNotices(list, 20);
    expect(kept).toHaveLength(20);
    expect(kept[0]).toEqual(alert);
    expect(kept.at(-1)!.text).toBe('traffic writer gone');
    expect(kept.slice(1, -1).map((n) => n.text)).toEqual(Array.from({ length: 18 }, (_, i) => `login failed from 10.0.0.${i + 13}: invalid_token`));
    expect(boundedNotices(list.slice(0, 5), 20)).toEqual(list.slice(0, 5));
  });

  it('sends at most maxDevices summaries per batch and the rest in the next ones', () => {
    const src = source();
    const pump = new EventPump(src, { maxDevices: 3 });
    const got: EventBatch[] = [];
    pump.subscribe((b) => {
      got.push(b);
      pump.ack(b.seq);
    });
    src.push({ devices: ['a', 'b', 'c', 'd', 'e'] });
    pump.tick(0);
    pump.tick(100);
    pump.tick(200);
    expect(got.map((b) => b.devices!.map((d) => d.id))).toEqual([['a', 'b', 'c'], ['d', 'e']]);
  });
});

describe('EventPump.soon', () => {
  const confirmed = { device: 'lamp', control: 'relay1', req: 'r1', outcome: 'confirmed' as const, value: true };

  it('sends a control confirmation within a few ms instead of at the next interval, several sharing a batch', () => {
    vi.useFakeTimers();
    try {
      const src = source();
      const pump = new EventPump(src, { intervalMs: 100 });
      const got: { batch: EventBatch; at: number }[] = [];
      const t0 = Date.now();
      pump.subscribe((batch) => {
        got.push({ batch, at: Date.now() - t0 });
        pump.ack(batch.seq);
      });
      pump.start();
      vi.advanceTimersByTime(10);
      src.push({ controlResults: [confirmed, { ...confirmed, req: 'r2' }] });
      pump.soon();
      vi.advanceTimersByTime(2);
      pump.soon(); // a second confirmation meanwhile: the same batch
      vi.advanceTimersByTime(3);
      expect(got).toHaveLength(1);
      expect(got[0]!.at).toBe(15);
      expect(got[0]!.batch.controlResults?.map((r) => r.req)).toEqual(['r1', 'r2']);
      vi.advanceTimersByTime(200); // nothing new: the intervals send nothing
      expect(got).toHaveLength(1);
      pump.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a subscriber still holding its last batch gets the confirmation as soon as it acks, not an interval later', () => {
    vi.useFakeTimers();
    try {
      const src = source();
      const pump = new EventPump(src, { intervalMs: 100 });
      const got: EventBatch[] = [];
      pump.subscribe((batch) => got.push(batch));
      pump.start();
      src.push({ devices: ['lamp'] });
      vi.advanceTimersByTime(100);
      expect(got).toHaveLength(1); // not acked yet
      src.push({ controlResults: [confirmed] });
      pump.soon();
      vi.advanceTimersByTime(20);
      expect(got).toHaveLength(1);
      pump.ack(got[0]!.seq);
      vi.advanceTimersByTime(5);
      expect(got).toHaveLength(2);
      expect(got[1]!.controlResults).toEqual([confirmed]);
      pump.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
