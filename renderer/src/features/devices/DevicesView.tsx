import { memo, useDeferredValue, useId, useLayoutEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DeviceSummary } from '../../../../shared/api/contract';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo, formatBytes, formatDuration, formatRate, reasonText } from '../../components/format';
import { HostWaiting, useHostAnswered } from '../../components/hostGate';
import { useHostNow } from '../../components/useNow';
import { useRovingRows } from '../../components/useRovingRows';
import { useSearchFocus } from '../../components/useSearchFocus';
import { useApp } from '../../store/context';
import type { DeviceFilter, DeviceSortKey } from '../../store/ui-slice';
import { ControlWidget } from './ControlWidget';
import { displayName, isFlapping, neverConnected, numericTelemetry, queryDevices } from './device-query';
import { devicePageToReturnTo, focusIsLost, returnedFromDevicePage } from './return-focus';

const ROW_HEIGHT = 40;
const KEYS_HINT_ID = 'devices-keys-hint';
/**
 * Where a column gives way (its class in styles.css): `opt0` below 1440 px (its room goes to the
 * name and For), `opt` in a narrow window, `opt2` (and Firmware) below 1000 px too, `opt3` below
 * 600 px, so Control stays in view down to a phone's width.
 */
const COLUMNS: { key: DeviceSortKey; label: string; givesWay?: 'opt0' | 'opt' | 'opt2' | 'opt3' }[] = [
  { key: 'id', label: 'Device' },
  { key: 'online', label: 'Status' },
  { key: 'since', label: 'For', givesWay: 'opt3' },
  { key: 'address', label: 'Address', givesWay: 'opt' },
  { key: 'lastSeen', label: 'Last seen', givesWay: 'opt0' },
  { key: 'rssi', label: 'RSSI', givesWay: 'opt2' },
  { key: 'heap', label: 'Heap', givesWay: 'opt' },
  { key: 'rttMs', label: 'RTT', givesWay: 'opt3' },
  { key: 'rateIn', label: 'Rate', givesWay: 'opt3' },
];

/** The Firmware cell's whole text, and the board it runs on. */
function firmwareTitle(d: DeviceSummary): string | undefined {
  const fw = [d.fw ?? (d.protocol === 'legacy' ? 'legacy' : null), d.transport].filter(Boolean).join(' · ');
  const text = d.board ? `${fw || 'firmware unknown'} on ${d.board}` : fw;
  return text || undefined;
}

/**
 * A cell too narrow for its text ends in "…" and its title has the whole of it (the name's room
 * comes first: see .device-row in styles.css); only For wraps, a long reason onto a second line.
 */
const DeviceRow = memo(function DeviceRow({ id, index, now, top, tabbable }: { id: string; index: number; now: number; top: number; tabbable: boolean }) {
  const d = useApp((s) => s.devices[id]);
  const navigate = useApp((s) => s.navigate);
  const sinceId = useId();
  if (!d) return null;
  const relay = d.controls.find((c) => c.kind === 'relay' || c.kind === 'switch');
  const rssi = numericTelemetry(d, 'rssi');
  const heap = numericTelemetry(d, 'heap');
  const never = neverConnected(d);
  return (
    <div
      className={`row device-row ${d.online ? 'online' : 'offline'}`}
      style={{ transform: `translateY(${top}px)` }}
      role="row"
      // only a window of the rows is drawn: each says its place among all (the header is row 1)
      aria-rowindex={index + 2}
      data-testid={`device-row-${id}`}
      data-row-key={id}
      data-index={index}
      // one Tab stop for the whole list (DevicesView): the active row is 0, the others -1
      tabIndex={tabbable ? 0 : -1}
      // an offline device's For cell (how long, and the full last reason) is read with the row, not only a mouse tooltip
      aria-describedby={!d.online && d.lastDisconnectReason ? sinceId : undefined}
      onClick={() => navigate('device', id)}
    >
      <span role="cell" className="cell name" title={displayName(d) === d.id ? d.id : `${displayName(d)} (${d.id})`}>
        <span className={`dot ${d.online ? 'on' : 'off'}`} />
        {d.label ?? d.id}
        {(d.label ? d.id : d.name) !== (d.label ?? d.id) && <span className="muted"> {d.label ? d.id : d.name}</span>}
        {isFlapping(d) && (
          <span className="badge warn" title={`${d.flapCount} reconnects recently`} data-testid={`flap-${id}`}>
            flapping
          </span>
        )}
      </span>
      <span role="cell" className="cell" data-testid={`device-online-${id}`}>
        {d.online ? 'online' : 'offline'}
      </span>
      <span role="cell" className="cell since opt3" id={sinceId} data-testid={`device-since-${id}`} title={d.online ? 'online for' : never ? 'known since its token was created; it has not logged in yet' : `offline for; last reason: ${d.lastDisconnectReason ?? 'unknown'}`}>
        {never ? <span className="muted">never connected</span> : formatDuration(now - d.since)}
        {!d.online && d.lastDisconnectReason && <span className="muted"> (<span className="sr-only">last reason: </span>{reasonText(d.lastDisconnectReason)})</span>}
      </span>
      <span role="cell" className="cell mono opt" title={d.address ?? undefined}>{d.address ?? '-'}</span>
      <span role="cell" className="cell opt2" title={firmwareTitle(d)}>
        {d.fw ?? (d.protocol === 'legacy' ? 'legacy' : '-')}
        {d.transport && <span className="muted"> · {d.transport}</span>}
      </span>
      <span role="cell" className="cell opt0" data-testid={`device-last-seen-${id}`}>{formatAgo(d.lastSeen, now)}</span>
      <span role="cell" className="cell num opt2">{rssi === null ? '-' : `${rssi} dBm`}</span>
      <span role="cell" className="cell num opt">{heap === null ? '-' : formatBytes(heap)}</span>
      <span role="cell" className="cell num opt3">{d.rttMs === null ? '-' : `${d.rttMs.toFixed(1)} ms`}</span>
      <span role="cell" className="cell num opt3">{formatRate(d.rateIn)}</span>
      <span role="cell" className="cell">{relay && <ControlWidget device={id} control={relay} compact />}</span>
    </div>
  );
});

function DevicesToolbar({ shown, total }: { shown: number; total: number }) {
  const { search, filter } = useApp(useShallow((s) => ({ search: s.deviceSearch, filter: s.deviceFilter })));
  const setSearch = useApp((s) => s.setDeviceSearch);
  const setFilter = useApp((s) => s.setDeviceFilter);
  const input = useRef<HTMLInputElement>(null);
  useSearchFocus(input);
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
      <span className="muted keys-hint" id={KEYS_HINT_ID}>
        Keys in the list: ↑ ↓ Home End move, Enter opens, Space or T switches the relay
      </span>
    </div>
  );
}

/** In place of the rows when the search or filter leaves none: says so, with the way back to all. */
function NoMatch({ search, filter }: { search: string; filter: DeviceFilter }) {
  const setSearch = useApp((s) => s.setDeviceSearch);
  const setFilter = useApp((s) => s.setDeviceFilter);
  const kind = filter === 'all' ? 'device' : `${filter} device`;
  const text = search.trim() ? `No ${kind} matches "${search.trim()}".` : `No ${kind}s right now.`;
  return (
    <div role="row" className="no-match" data-testid="devices-no-match">
      <span role="cell">
        {text}{' '}
        <button
          type="button"
          className="btn"
          onClick={() => {
            setSearch('');
            setFilter('all');
          }}
        >
          Show all devices
        </button>
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
  // not reached yet (connecting, down, wrong #token=): the list is unknown, not empty
  const answered = useHostAnswered();
  // low priority: with thousands of devices a batch's re-sort yields to scrolling and typing
  const deferredDevices = useDeferredValue(devices);
  const deferredIds = useDeferredValue(ids);
  const shown = useMemo(() => queryDevices(deferredDevices, deferredIds, search, filter, sort), [deferredDevices, deferredIds, search, filter, sort]);
  const now = useHostNow(); // stops while the host is away
  const scroller = useRef<HTMLDivElement>(null);
  const navigate = useApp((s) => s.navigate);
  // keyboard: one Tab stop; Up/Down/PageUp/PageDown/Home/End between rows, Enter opens the device,
  // Space or T switches the active row's relay (when it has one and it is enabled)
  const { virtual, tabKey, focusRow, listProps } = useRovingRows({
    keys: shown,
    rowHeight: ROW_HEIGHT,
    overscan: 10,
    scroller,
    onActivate: (id) => navigate('device', id),
    onKey: (_id, row, e) => {
      if (e.key !== ' ' && e.key !== 't' && e.key !== 'T') return false;
      const toggle = row.querySelector<HTMLButtonElement>('[role="switch"]');
      if (toggle && !toggle.disabled) toggle.click();
      return true;
    },
  });

  // back from a device page ("← Devices", Back): focus returns to that device's row, not the body
  // (read while rendering, used once the list has rows: after a reload they arrive later)
  const back = useRef<string | null | undefined>(undefined);
  if (back.current === undefined) back.current = devicePageToReturnTo();
  useLayoutEffect(() => {
    const id = back.current;
    if (!id || shown.length === 0) return;
    back.current = null;
    returnedFromDevicePage();
    if (shown.includes(id) && focusIsLost()) focusRow(id);
  });

  if (ids.length === 0 && !answered) return <HostWaiting view="devices" what="The device list loads" />;
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
      <div className="table" role="table" aria-label="Devices" aria-describedby={KEYS_HINT_ID} aria-rowcount={shown.length + 1}>
        <div className="row head device-row" role="row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            // aria-sort belongs to the column header; the button inside it sorts
            <span key={c.key} role="columnheader" className={`cell sort${c.givesWay ? ` ${c.givesWay}` : ''}`} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
              <button type="button" onClick={() => sortBy(c.key)}>
                {c.label}
                {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            </span>
          )).flatMap((cell, i) => (COLUMNS[i]!.key === 'address' ? [cell, <span key="fw" role="columnheader" className="cell opt2">Firmware</span>] : [cell]))}
          <span role="columnheader" className="cell">Control</span>
        </div>
        {shown.length === 0 && <NoMatch search={search} filter={filter} />}
        <div className="scroller" role="rowgroup" ref={scroller} data-testid="devices-scroller" tabIndex={-1} {...listProps}>
          <div role="presentation" style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => (
              <DeviceRow key={shown[item.index]} id={shown[item.index]!} index={item.index} now={now} top={item.start} tabbable={shown[item.index] === tabKey} />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
