import type { DeviceSummary, EventBatch } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import { appendNotices, type NewNotice } from './connection-slice';
import type { AppState, BatchReducer, SliceCreator } from './types';
import { forgetTelemetry, mergeRecentTelemetry, recordTelemetry, type TelemetryHistory } from './telemetry-history';

export type ControlStatus = 'pending' | 'confirmed' | 'failed';
export interface ControlOp {
  req: string | null;
  status: ControlStatus;
  value?: unknown;
  error?: string;
  /**
   * Failed by this panel's own timeout (CONTROL_TIMEOUT_MS), not by the host or the device: the
   * device's confirmation may still come (a batch held back by a slow or busy UI) and then wins.
   */
  timedOut?: true;
  startedAt: number;
  doneAt?: number;
}

export interface DevicesSlice {
  devices: Record<string, DeviceSummary>;
  /** Ids in a stable order (by id); recomputed only when a device appears. */
  deviceIds: string[];
  /** Control operations by controlKey(device, control). */
  controls: Record<string, ControlOp>;
  /** Results that arrived before the controls.set call returned its req (bounded). */
  earlyResults: Record<string, { outcome: 'confirmed' | 'failed'; value?: unknown }>;
  telemetryHistory: TelemetryHistory;
  replaceDevices(list: DeviceSummary[]): void;
  setControl(device: string, control: string, change: { value: unknown } | { toggle: true }): Promise<void>;
  /**
   * Puts the host's last 2 minutes of the device's readings (telemetry.recent) in front of what
   * this window has received, so a live chart opened now is full at once. A failed call (host
   * down, device unknown) changes nothing and shows nothing: the chart fills as readings arrive.
   */
  loadRecentTelemetry(device: string): Promise<void>;
}

/** A control that hears nothing back within this time is shown as failed (until a late confirmation). */
export const CONTROL_TIMEOUT_MS = 10_000;
const MAX_EARLY_RESULTS = 200;

export const controlKey = (device: string, control: string) => `${device}\u0000${control}`;

/** The key of a timeout's notice, cleared when the device's confirmation comes after all. */
const timeoutNoticeKey = (key: string) => `control-timeout:${key}`;

/**
 * The error notice of a failed control: the compact toggle of the Devices list has no status text
 * of its own (it only flips back), so without it the failure would pass unseen.
 */
function controlFailedNotice(devices: Record<string, DeviceSummary>, device: string, control: string, op: Pick<ControlOp, 'error' | 'timedOut'>): NewNotice {
  const label = devices[device]?.controls.find((c) => c.id === control)?.label ?? control;
  const timedOut = op.timedOut ? { key: timeoutNoticeKey(controlKey(device, control)) } : {};
  return { level: 'error', text: `${label} of ${device} failed${op.error ? `: ${op.error}` : ''}`, ts: Date.now(), ...timedOut };
}

function mergeDevices(current: Record<string, DeviceSummary>, ids: string[], changed: DeviceSummary[]) {
  const devices = { ...current };
  let appeared = false;
  for (const d of changed) {
    if (!(d.id in devices)) appeared = true;
    devices[d.id] = d;
  }
  return { devices, deviceIds: appeared ? Object.keys(devices).sort() : ids };
}

export const createDevicesSlice: SliceCreator<DevicesSlice> = (set, get, client) => ({
  devices: {},
  deviceIds: [],
  controls: {},
  earlyResults: {},
  telemetryHistory: {},
  replaceDevices(list) {
    const devices: Record<string, DeviceSummary> = {};
    for (const d of list) devices[d.id] = d;
    set({ devices, deviceIds: Object.keys(devices).sort() });
  },
  async loadRecentTelemetry(device) {
    let recent;
    try {
      recent = await client.call('telemetry.recent', { device });
    } catch {
      return;
    }
    set((s) => {
      const telemetryHistory = mergeRecentTelemetry(s.telemetryHistory, device, recent);
      return telemetryHistory === s.telemetryHistory ? {} : { telemetryHistory };
    });
  },
  async setControl(device, control, change) {
    const key = controlKey(device, control);
    const startedAt = Date.now();
    const value = 'value' in change ? change.value : undefined;
    set((s) => ({ controls: { ...s.controls, [key]: { req: null, status: 'pending', value, startedAt } } }));
    const finish = (op: Partial<ControlOp>) =>
      set((s) => {
        const cur = s.controls[key];
        if (!cur || cur.startedAt !== startedAt || cur.status !== 'pending') return {};
        const failed = op.status === 'failed' ? { notices: appendNotices(s.notices, [controlFailedNotice(s.devices, device, control, op)]) } : {};
        return { controls: { ...s.controls, [key]: { ...cur, ...op, doneAt: Date.now() } }, ...failed };
      });
    try {
      const params = 'value' in change ? { device, control, value: change.value } : { device, control, toggle: true };
      const { req } = await client.call('controls.set', params);
      const early = get().earlyResults[req];
      set((s) => {
        const cur = s.controls[key];
        if (!cur || cur.startedAt !== startedAt) return {};
        return { controls: { ...s.controls, [key]: { ...cur, req } } };
      });
      if (early) {
        finish({ status: early.outcome, value: early.value, ...(early.outcome === 'failed' ? { error: 'the device reported a failure' } : {}) });
        set((s) => {
          const rest = { ...s.earlyResults };
          delete rest[req];
          return { earlyResults: rest };
        });
      }
      setTimeout(() => finish({ status: 'failed', error: `no state report within ${CONTROL_TIMEOUT_MS / 1000} s`, timedOut: true }), CONTROL_TIMEOUT_MS);
    } catch (err) {
      finish({ status: 'failed', error: errorText(err) });
    }
  },
});

function applyControlResults(state: AppState, results: NonNullable<EventBatch['controlResults']>) {
  const controls = { ...state.controls };
  let early = state.earlyResults;
  let notices = state.notices;
  for (const r of results) {
    const key = controlKey(r.device, r.control);
    const cur = controls[key];
    if (cur && cur.req === r.req) {
      // pending, or timed out here while the device did confirm: its confirmation is the truth
      if (cur.status === 'pending' || (cur.timedOut && r.outcome === 'confirmed')) {
        const { error: _error, timedOut: _timedOut, ...rest } = cur;
        controls[key] = {
          ...rest,
          status: r.outcome,
          value: r.value ?? cur.value,
          doneAt: Date.now(),
          ...(r.outcome === 'failed' ? { error: 'the device reported a failure' } : {}),
        };
        if (r.outcome === 'failed') notices = appendNotices(notices, [controlFailedNotice(state.devices, r.device, r.control, controls[key]!)]);
        // the timeout's notice was wrong after all
        if (cur.timedOut) notices = notices.filter((n) => n.key !== timeoutNoticeKey(key));
      }
    } else if (cur && cur.status === 'pending' && cur.req === null) {
      early = { ...early, [r.req]: { outcome: r.outcome, value: r.value } };
      const keys = Object.keys(early);
      if (keys.length > MAX_EARLY_RESULTS) {
        early = { ...early };
        for (const k of keys.slice(0, keys.length - MAX_EARLY_RESULTS)) delete early[k];
      }
    }
  }
  return { controls, earlyResults: early, ...(notices !== state.notices ? { notices } : {}) };
}

export const devicesBatch: BatchReducer = (state, batch) => {
  let patch: Partial<DevicesSlice> | null = null;
  if (batch.devices?.length) {
    patch = {
      ...mergeDevices(state.devices, state.deviceIds, batch.devices),
      telemetryHistory: recordTelemetry(state.telemetryHistory, batch.devices, batch.ts),
    };
  }
  if (batch.removedDevices?.length) {
    const gone = batch.removedDevices;
    const devices = { ...(patch?.devices ?? state.devices) };
    for (const id of gone) delete devices[id];
    // a forgotten device's samples and control states go with it (a long-running tab keeps no trace)
    const telemetryHistory = forgetTelemetry(patch?.telemetryHistory ?? state.telemetryHistory, gone);
    const prefixes = gone.map((id) => controlKey(id, ''));
    const controls = Object.fromEntries(Object.entries(state.controls).filter(([key]) => !prefixes.some((p) => key.startsWith(p))));
    patch = { ...patch, devices, deviceIds: Object.keys(devices).sort(), telemetryHistory, ...(Object.keys(controls).length !== Object.keys(state.controls).length ? { controls } : {}) };
  }
  if (batch.controlResults?.length) patch = { ...patch, ...applyControlResults({ ...state, ...patch }, batch.controlResults) };
  return patch;
};
