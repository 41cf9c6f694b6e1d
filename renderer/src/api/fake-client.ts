import type { ApiClient, DeviceSummary, EventBatch, MethodName, Params, Results, TrafficRow } from '../../../shared/api/contract';
import { ApiCallError } from './errors';

/**
 * An in-memory ApiClient for component and store tests: canned results per method, a log of
 * calls, and helpers to push event batches like the host's pump would.
 */
export interface FakeClient extends ApiClient {
  calls: { method: MethodName; params: unknown }[];
  acks: number[];
  handlers: Partial<{ [M in MethodName]: (params: Params<M>) => Results[M] | Promise<Results[M]> }>;
  emit(batch: Omit<EventBatch, 'seq' | 'ts'> & { seq?: number; ts?: number }): EventBatch;
  setStatus(status: 'connecting' | 'open' | 'closed', detail?: string): void;
}

export function fakeDevice(id: string, over: Partial<DeviceSummary> = {}): DeviceSummary {
  return {
    id,
    name: id,
    label: null,
    online: true,
    since: 1_700_000_000_000,
    lastDisconnectReason: null,
    flapCount: 0,
    address: '127.0.0.1:40000',
    transport: 'tcp',
    protocol: 'v2',
    fw: '1.0.0',
    board: 'sim',
    tokenStatus: 'active',
    controls: [{ id: 'relay1', kind: 'relay', label: 'Relay 1' }],
    telemetryChannels: [],
    controlState: { relay1: false },
    telemetry: {},
    lastSeen: 1_700_000_000_000,
    rttMs: 2,
    rateIn: 0,
    counters: { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0 },
    ...over,
  };
}

let rowSeq = 1;
export function fakeRow(over: Partial<TrafficRow> = {}): TrafficRow {
  const seq = over.seq ?? rowSeq++;
  return {
    seq,
    ts: 1_700_000_000_000 + seq,
    dir: 'in',
    device: 'lamp-1',
    from: 'lamp-1',
    to: 'server',
    cmd: 30,
    msgId: seq & 0xffff,
    size: 40,
    status: null,
    payload: '{"targetId":"server","payload":{"state":{"relay1":true}}}',
    cut: false,
    ...over,
  };
}

export function createFakeClient(): FakeClient {
  const events = new Set<(b: EventBatch) => void>();
  const statuses = new Set<(s: 'connecting' | 'open' | 'closed', d?: string) => void>();
  let seq = 0;
  const fake: FakeClient = {
    calls: [],
    acks: [],
    handlers: {},
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Results[M]> {
      fake.calls.push({ method, params });
      const handler = fake.handlers[method] as ((p: Params<M>) => Results[M] | Promise<Results[M]>) | undefined;
      if (!handler) throw new ApiCallError('unknown_method', `fake has no ${method}`);
      return handler(params);
    },
    onEvents(listener) {
      events.add(listener);
      return () => events.delete(listener);
    },
    ackEvents(s) {
      fake.acks.push(s);
    },
    onStatus(listener) {
      statuses.add(listener);
      return () => statuses.delete(listener);
    },
    emit(partial) {
      const batch: EventBatch = { ...partial, seq: partial.seq ?? ++seq, ts: partial.ts ?? Date.now() };
      for (const l of events) l(batch);
      return batch;
    },
    setStatus(status, detail) {
      for (const l of statuses) l(status, detail);
    },
  };
  return fake;
}
