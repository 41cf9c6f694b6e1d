import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo, formatBytes, formatDuration, formatRate } from '../../components/format';
import { useNow } from '../../components/useNow';
import { useApp } from '../../store/context';
import type { DeviceFilter, DeviceSortKey } from '../../store/ui-slice';
import { ControlWidget } from './ControlWidget';
import { displayName, isFlapping, numericTelemetry, queryDevices } from './device-query';

const ROW_HEIGHT = 40;
/**
 * `optional` columns give way in a narrow window, `optional2` ones (and Firmware) below 1000 px too
 * (styles.css), so Control stays in view down to the window's minimum width.
 */
const COLUMNS: { key: DeviceSortKey; label: string; optional?: true; optional2?: true }[] = [
  { key: 'id', label: 'Device' },
  { key: 'online', label: 'Status' },
  { key: 'since', label: 'For' },
  { key: 'address', label: 'Address', optional: true },
  { key: 'lastSeen', label: 'Last seen', optional: true },
  { key: 'rssi', label: 'RSSI', optional2: true },
  { key: 'heap', label: 'Heap', optional: true },
  { key: 'rttMs', label: 'RTT' },
  { key: 'rateIn', label: 'Rate' },
];

const DeviceRow = memo(function DeviceRow({ id, now, top }: { id: string; now: number; top: number }) {
  const d = useApp((s) => s.devices[id]);
  const navigate = useApp((s) => s.navigate);
  if (!d) return null;
  const relay = d.controls.find((c) => c.kind === 'relay' || c.kind === 'switch');
  const rssi = numericTelemetry(d, 'rssi');
  const heap = numericTelemetry(d, 'heap');
  return (
    <div
      className={`row device-row ${d.online ? 'online' : 'offline'}`}
      style={{ transform: `translateY(${top}px)` }}
      role="row"
      data-testid={`device-row-${id}`}
      tabIndex={0}
      onClick={() => navigate('device', id)}
      // the row's own Enter only: Enter on the relay toggle inside it toggles, it does not also open the device
      onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && navigate('device', id)}
    >
      <span className="cell name" title={displayName(d) === d.id ? d.id : `${displayName(d)} (${d.id})`}>
        <span className={`dot ${d.online ? 'on' : 'off'}`} />
        {d.label ?? d.id}
        {(d.label ? d.id : d.name) !== (d.label ?? d.id) && <span className="muted"> {d.label ? d.id : d.name}</span>}
        {isFlapping(d) && (
          <span className="badge warn" title={`${d.flapCount} reconnects recently`} data-testid={`flap-${id}`}>
            flapping
          </span>
        )}
      </span>
      <span className="cell" data-testid={`device-online-${id}`}>
        {d.online ? 'online' : 'offline'}
      </span>
      <span className="cell" title={d.online ? 'online for' : `offline for; last reason: ${d.lastDisconnectReason ?? 'unknown'}`}>
        {formatDuration(now - d.since)}
        {!d.online && d.lastDisconnectReason && <span className="muted"> ({d.lastDisconnectReason})</span>}
      </span>
      <span className="cell mono opt">{d.address ?? '-'}</span>
      <span className="cell opt2" title={d.board ?? undefined}>
        {d.fw ?? (d.protocol === 'legacy' ? 'legacy' : '-')}
        {d.transport && <span className="muted"> · {d.transport}</span>}
      </span>
      <span className="cell opt">{formatAgo(d.lastSeen, now)}</span>
      <span className="cell num opt2">{rssi === null ? '-' : `${rssi} dBm`}</span>
      <span className="cell num opt">{heap === null ? '-' : formatBytes(heap)}</span>
      <span className="cell num">{d.rttMs === null ? '-' : `${d.rttMs.toFixed(1)} ms`}</span>
      <span className="cell num">{formatRate(d.rateIn)}</span>
      <span className="cell">{relay && <ControlWidget device={id} control={relay} compact />}</span>
    </div>
  );
});

function DevicesToolbar({ shown, total }: { shown: number; total: number }) {
  const { search, filter, tick } = useApp(useShallow((s) => ({ search: s.deviceSearch, filter: s.deviceFilter, tick: s.focusSearchTick })));
  const setSearch = useApp((s) => s.setDeviceSearch);
  const setFilter = useApp((s) => s.setDeviceFilter);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (tick > 0) input.current?.focus();
  }, [tick]);
  return (
    <div className="toolbar">
      <input ref={input} className="search" type="search" placeholder="Search devices (/)" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search devices" />
      <select value={filter} onChange={(e) => setFilter(e.target.value as DeviceFilter)} aria-label="Filter devices">
        <option value="all">All</option>
        <option value="online">Online</option>
        <option value="offline">Offline</option>
        <option value="flapping">Flapping</option>
      </select>
      <span className="muted" data-testid="devices-count">
        {shown} of {total} devices
      </span>
    </div>
  );
}

export function DevicesView() {
  const { devices, ids, search, filter, sort } = useApp(
    useShallow((s) => ({ devices: s.devices, ids: s.deviceIds, search: s.deviceSearch, filter: s.deviceFilter, sort: s.deviceSort })),
  );
  const sortBy = useApp((s) => s.sortDevicesBy);
  const tcpPort = useApp((s) => s.hello?.tcpPort ?? 8080);
  // never reached the host (down, wrong #token=): the list is unknown, not empty
  const unreachable = useApp((s) => (s.hostStatus === 'closed' && s.hello === null ? (s.hostDetail ?? 'connection closed') : null));
  // low priority: with thousands of devices a batch's re-sort yields to scrolling and typing
  const deferredDevices = useDeferredValue(devices);
  const deferredIds = useDeferredValue(ids);
  const shown = useMemo(() => queryDevices(deferredDevices, deferredIds, search, filter, sort), [deferredDevices, deferredIds, search, filter, sort]);
  const now = useNow();
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });

  if (ids.length === 0 && unreachable) {
    return (
      <EmptyState title="Cannot reach the host" testId="devices-unreachable">
        <p>{unreachable}</p>
        <p className="muted">The device list loads as soon as the connection is up; the panel keeps retrying. Is the host running, and is this the link it printed?</p>
      </EmptyState>
    );
  }
  if (ids.length === 0) {
    return (
      <EmptyState title="No devices yet" testId="devices-empty">
        <ol>
          <li>Open <b>Tokens</b> and create a device: you get its token and an Arduino snippet.</li>
          <li>Paste the snippet into the example sketch firmware/examples/RelayNode/RelayNode.ino and flash it, or run the simulator: <code>npm run build:sim</code> then <code>firmware/build/hypertcp-sim --host 127.0.0.1 --port {tcpPort} --device relay:lamp-1:TOKEN</code>.</li>
          <li>The device appears here as soon as it logs in.</li>
        </ol>
      </EmptyState>
    );
  }
  return (
    <section className="view devices-view">
      <DevicesToolbar shown={shown.length} total={ids.length} />
      <div className="table" role="table" aria-label="Devices">
        <div className="row head device-row" role="row">
          {COLUMNS.map((c) => (
            <button type="button" key={c.key} className={`cell sort${c.optional ? ' opt' : ''}${c.optional2 ? ' opt2' : ''}`} onClick={() => sortBy(c.key)} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
              {c.label}
              {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
            </button>
          )).flatMap((cell, i) => (COLUMNS[i]!.key === 'address' ? [cell, <span key="fw" className="cell opt2">Firmware</span>] : [cell]))}
          <span className="cell">Control</span>
        </div>
        <div className="scroller" ref={scroller} data-testid="devices-scroller">
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => (
              <DeviceRow key={shown[item.index]} id={shown[item.index]!} now={now} top={item.start} />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
