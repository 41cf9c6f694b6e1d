import type { DeviceSummary, HelloResult, HostNotice } from '../../../shared/api/contract';
import { deviceName } from '../../../shared/api/device-name';
import { outlastsOthers } from '../../../shared/api/notices';
import { errorText } from '../api/errors';
import type { BatchReducer, SliceCreator } from './types';

export type HostStatus = 'connecting' | 'open' | 'closed';
export interface Notice {
  id: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  ts: number;
  /** How many times this same notice (level and text) came in; shown as "×N" above 1. */
  count: number;
  /**
   * Set on a failed load that retries by itself (saved commands, tokens, the traffic log...):
   * the notice goes away when that load succeeds (clearNotices(key)), e.g. after a reconnect.
   * Failures of the user's own actions have no key and stay until dismissed.
   */
  key?: string;
  /** The device it is about (an offline alert): the notice links to its page. */
  device?: HostNotice['device'];
  /** The hub's offline alert: the browser may also show it as a system notification (BrowserAlerts). */
  alert?: HostNotice['alert'];
}
export type NewNotice = Omit<Notice, 'id' | 'count'>;

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
  notify(level: Notice['level'], text: string, opts?: { key?: string }): void;
  /** The load behind `key` worked: its earlier failure notices are no longer true. */
  clearNotices(key: string): void;
  dismissNotice(id: number): void;
  dismissAllNotices(): void;
  /**
   * True once the host connection was lost (closed) until it is open again; the views disable
   * what needs the host. Not while first connecting: there is nothing to have lost yet (actions
   * are held then too, until the first hello: see hostHold in components/hostGate).
   */
  hostDown: boolean;
  /**
   * When the open connection to the host was lost (ms, this browser's clock), null while it is open
   * (or was never open). Times counted from the host's data ("online for", "last seen") stop here:
   * past it the panel does not know (useHostNow).
   */
  hostLostAt: number | null;
  /** Whether the client can be asked to reconnect at once (the headless WebSocket can). */
  canRetry: boolean;
  /** "Retry now": skip the rest of the reconnect backoff. */
  retryNow(): void;
}

export const MAX_NOTICES = 6;
/**
 * A failed load on an open connection is tried again after this long: until the first one
 * works, actions stay held as "connecting" (hostHold), so it must not wait for a reconnect.
 */
export const HYDRATE_RETRY_MS = 3000;
let noticeId = 1;

/**
 * Adds notices, newest last. One equal to a notice already shown (same level and text) is not
 * added again: that one counts up, takes the newest time and moves to the end, so a host outage
 * that fails the same load ten times shows one notice "×10". Past MAX_NOTICES the oldest go,
 * self-clearing ones (with a key) and info before the failures of the user's actions.
 */
export function appendNotices(list: Notice[], add: NewNotice[]): Notice[] {
  if (add.length === 0) return list;
  let out = list;
  for (const n of add) {
    const same = out.find((o) => o.level === n.level && o.text === n.text);
    if (same) {
      out = [...out.filter((o) => o !== same), { ...same, ts: n.ts, count: same.count + 1, key: n.key ?? same.key }];
    } else {
      out = [...out, { ...n, id: noticeId++, count: 1 }];
    }
  }
  // past the bound the first to go: self-clearing and info ones, then plain warnings (a failed login
  // each), and only then an offline alert or an error
  while (out.length > MAX_NOTICES) {
    const drop = out.find((o) => o.key !== undefined || o.level === 'info') ?? out.find((o) => !outlastsOthers(o)) ?? out[0]!;
    out = out.filter((o) => o !== drop);
  }
  return out;
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, get, client) => {
  let retry: ReturnType<typeof setTimeout> | null = null;
  return {
    hostStatus: 'connecting',
    hostDetail: null,
    hello: null,
    lastBatchSeq: null,
    batchesApplied: 0,
    notices: [],
    hostDown: false,
    hostLostAt: null,
    canRetry: typeof client.reconnect === 'function',
    setHostStatus(status, detail) {
      // 'connecting' between two failed attempts keeps the host down; only 'open' brings it back
      set((s) => ({
        hostStatus: status,
        hostDetail: detail ?? null,
        hostDown: status === 'open' ? false : status === 'closed' ? true : s.hostDown,
        // the first step away from open is the moment of the loss; the attempts after it keep it
        hostLostAt: status === 'open' ? null : s.hostStatus === 'open' ? Date.now() : s.hostLostAt,
      }));
    },
    retryNow() {
      client.reconnect?.();
    },
    async hydrate() {
      if (retry) clearTimeout(retry);
      retry = null;
      try {
        const [hello, devices] = await Promise.all([client.call('hello', {}), client.call('devices.list', {})]);
        // devices first: a hello is what says the host has answered (hostHold), so the views never
        // show an empty list between the two
        get().replaceDevices(devices);
        set({ hello });
        get().clearNotices('hydrate');
        void get().loadTrafficPage();
        void get().loadLiveHistory();
      } catch (err) {
        get().notify('error', `Could not load from the host: ${errorText(err)}`, { key: 'hydrate' });
        // a closed connection loads again when it reopens; an open one would wait forever
        if (get().hostStatus === 'open') retry = setTimeout(() => get().hostStatus === 'open' && void get().hydrate(), HYDRATE_RETRY_MS);
      }
    },
    notify(level, text, opts) {
      set((s) => ({ notices: appendNotices(s.notices, [{ level, text, ts: Date.now(), ...(opts?.key ? { key: opts.key } : {}) }]) }));
    },
    clearNotices(key) {
      set((s) => (s.notices.some((n) => n.key === key) ? { notices: s.notices.filter((n) => n.key !== key) } : {}));
    },
    dismissNotice(id) {
      set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
    },
    dismissAllNotices() {
      set({ notices: [] });
    },
  };
};

/**
 * An offline alert whose device is back is no longer true: it becomes an info notice that says so
 * (and goes away by itself, as info does) in its place, so a device that dropped and came back while
 * nobody looked leaves no warning that says it is still gone.
 */
export function resolveOfflineNotices(list: Notice[], devices: DeviceSummary[] | undefined, ts: number): Notice[] {
  if (!devices?.length || !list.some((n) => n.alert === 'offline' && n.device !== undefined)) return list;
  const back = new Map(devices.filter((d) => d.online).map((d) => [d.id, d]));
  let changed = false;
  const out = list.map((n): Notice => {
    const device = n.alert === 'offline' && n.device !== undefined ? back.get(n.device) : undefined;
    if (!device) return n;
    changed = true;
    return { id: n.id, level: 'info', text: `${deviceName(device.id, device.label)} is back online`, ts, count: 1, device: device.id };
  });
  // the same list when nothing was resolved: a batch of other devices' news redraws no notice
  return changed ? out : list;
}

export const connectionBatch: BatchReducer = (state, batch) => {
  const resolved = resolveOfflineNotices(state.notices, batch.devices, batch.ts);
  const notices = batch.notices?.length ? appendNotices(resolved, batch.notices.map((n) => ({ ...n, ts: batch.ts }))) : resolved;
  return { lastBatchSeq: batch.seq, batchesApplied: state.batchesApplied + 1, ...(notices !== state.notices ? { notices } : {}) };
};
