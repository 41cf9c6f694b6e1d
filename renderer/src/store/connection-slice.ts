import type { HelloResult } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import type { BatchReducer, SliceCreator } from './types';

export type HostStatus = 'connecting' | 'open' | 'closed';
export interface Notice {
  id: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  ts: number;
}

export interface ConnectionSlice {
  hostStatus: HostStatus;
  hostDetail: string | null;
  hello: HelloResult | null;
  /** Seq of the last batch applied to the store; the ack component acks it after React drew it. */
  lastBatchSeq: number | null;
  batchesApplied: number;
  /** Toasts and host notices, newest last, bounded. */
  notices: Notice[];
  setHostStatus(status: HostStatus, detail?: string): void;
  /** Loads what the views need after (re)connecting. */
  hydrate(): Promise<void>;
  notify(level: Notice['level'], text: string): void;
  dismissNotice(id: number): void;
}

export const MAX_NOTICES = 6;
let noticeId = 1;

export function appendNotices(list: Notice[], add: Omit<Notice, 'id'>[]): Notice[] {
  if (add.length === 0) return list;
  return [...list, ...add.map((n) => ({ ...n, id: noticeId++ }))].slice(-MAX_NOTICES);
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, get, client) => ({
  hostStatus: 'connecting',
  hostDetail: null,
  hello: null,
  lastBatchSeq: null,
  batchesApplied: 0,
  notices: [],
  setHostStatus(status, detail) {
    set({ hostStatus: status, hostDetail: detail ?? null });
  },
  async hydrate() {
    try {
      const [hello, devices] = await Promise.all([client.call('hello', {}), client.call('devices.list', {})]);
      set({ hello });
      get().replaceDevices(devices);
      void get().loadTrafficPage();
      void get().loadLiveHistory();
    } catch (err) {
      get().notify('error', `Could not load from the host: ${errorText(err)}`);
    }
  },
  notify(level, text) {
    set((s) => ({ notices: appendNotices(s.notices, [{ level, text, ts: Date.now() }]) }));
  },
  dismissNotice(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
  },
});

export const connectionBatch: BatchReducer = (state, batch) => ({
  lastBatchSeq: batch.seq,
  batchesApplied: state.batchesApplied + 1,
  ...(batch.notices?.length ? { notices: appendNotices(state.notices, batch.notices.map((n) => ({ ...n, ts: batch.ts }))) } : {}),
});
