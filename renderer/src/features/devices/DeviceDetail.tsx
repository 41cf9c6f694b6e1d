import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DeviceSummary, TrafficRow } from '../../../../shared/api/contract';
import { EmptyState } from '../../components/EmptyState';
import { HostWaiting, useHostAnswered } from '../../components/hostGate';
import { formatBytes, formatDuration, formatRate, formatValue, reasonText } from '../../components/format';
import { useHostNow } from '../../components/useNow';
import { useApi, useApp } from '../../store/context';
import { TrafficList } from '../traffic/TrafficList';
import { controlResponseText, controlResponseTitle } from './control-response';
import { ControlWidget } from './ControlWidget';
import { DeviceActions } from './DeviceActions';
import { DeviceTelemetry } from './DeviceTelemetry';
import { displayName, isFlapping, neverConnected, noControlsText } from './device-query';
import { LabelEditor } from './LabelEditor';
import { devicePageOpened } from './return-focus';

const DEVICE_TRAFFIC_CAP = 500;

function useDeviceTraffic(id: string): TrafficRow[] {
  const api = useApi();
  const rows = useApp((s) => s.rows);
  const [recent, setRecent] = useState<TrafficRow[]>([]);
  useEffect(() => {
    if (!id) return;
    let live = true;
    api.call('devices.get', { id }).then(
      (d) => live && setRecent(d.recentTraffic),
      () => live && setRecent([]),
    );
    return () => {
      live = false;
    };
  }, [api, id]);
  return useMemo(() => {
    const mine = rows.filter((r) => r.device === id);
    const first = mine[0]?.seq ?? Infinity;
    const older = recent.filter((r) => r.seq < first).sort((a, b) => a.seq - b.seq);
    return [...older, ...mine].slice(-DEVICE_TRAFFIC_CAP);
  }, [rows, recent, id]);
}

/** How fast the device confirms control commands, next to RTT; '-' before the first one. */
function ControlResponse({ device }: { device: DeviceSummary }) {
  const text = controlResponseText(device.controlResponse);
  return (
    <div title={controlResponseTitle(device.controlResponse)}>
      <dt>Control response</dt>
      <dd data-testid="detail-control-response">
        {text === null ? '-' : (
          <>
            {text.times && <>{text.times} · </>}
            <span className="muted">{text.outcome}</span>
          </>
        )}
      </dd>
    </div>
  );
}

export function DeviceDetail() {
  const id = useApp((s) => s.selectedDevice);
  const device = useApp((s) => (id ? s.devices[id] : undefined));
  const navigate = useApp((s) => s.navigate);
  const now = useHostNow(); // stops while the host is away
  const traffic = useDeviceTraffic(id ?? '');
  const [selected, setSelected] = useState<number | null>(null);
  // one function for the page's life: a new one each render would draw every (memo) traffic row again
  const selectRow = useCallback((r: TrafficRow) => setSelected(r.seq), []);
  // opened from a bookmark or a reload: the device list is not here yet, so "not found" would be a guess
  const answered = useHostAnswered();
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = answered && device !== undefined;
  // keyboard: the page starts at its heading (Enter on a list row unmounts the row that had focus);
  // "← Devices" or Back then returns to that device's row (DevicesView)
  useEffect(() => {
    if (!shown || !id) return;
    heading.current?.focus();
    devicePageOpened(id);
  }, [shown, id]);
  if (!answered) return <HostWaiting view="device" what="The device shows" />;
  if (!id || !device) {
    return (
      <EmptyState title="Device not found">
        <button type="button" className="btn" onClick={() => navigate('devices')}>
          Back to devices
        </button>
      </EmptyState>
    );
  }
  const c = device.counters;
  return (
    <section className="view device-detail" data-testid="device-detail">
      <div className="detail-head">
        <button type="button" className="btn ghost" onClick={() => navigate('devices')}>
          ← Devices
        </button>
        <h1 data-testid="device-title" tabIndex={-1} ref={heading}>
          <span className={`dot ${device.online ? 'on' : 'off'}`} /> {displayName(device)}
          {displayName(device) !== device.id && <span className="muted"> ({device.id})</span>}
        </h1>
        <LabelEditor key={device.id} id={device.id} label={device.label} />
        {isFlapping(device) && <span className="badge warn">flapping ({device.flapCount})</span>}
      </div>
      <dl className="facts">
        <div><dt>Status</dt><dd data-testid="detail-online">{neverConnected(device) ? 'never connected' : `${device.online ? 'online' : 'offline'} for ${formatDuration(now - device.since)}`}</dd></div>
        <div><dt>Last disconnect</dt><dd>{device.lastDisconnectReason ? reasonText(device.lastDisconnectReason) : '-'}</dd></div>
        <div><dt>Address</dt><dd className="mono">{device.address ?? '-'}</dd></div>
        <div><dt>Transport</dt><dd>{device.transport ?? '-'} / {device.protocol ?? '-'}</dd></div>
        <div><dt>Firmware</dt><dd>{device.fw ?? '-'} {device.board && <span className="muted">on {device.board}</span>}</dd></div>
        <div><dt>Token</dt><dd>{device.tokenStatus}</dd></div>
        <div><dt>RTT</dt><dd>{device.rttMs === null ? '-' : `${device.rttMs.toFixed(1)} ms`}</dd></div>
        <ControlResponse device={device} />
        <div><dt>Rate in</dt><dd>{formatRate(device.rateIn)}</dd></div>
      </dl>
      <h2>Controls</h2>
      {device.controls.length === 0 ? (
        <p className="muted" data-testid="no-controls">{noControlsText(device.protocol)} Send it a command below.</p>
      ) : (
        <div className="controls-grid">
          {device.controls.map((ctl) => (
            <ControlWidget key={ctl.id} device={device.id} control={ctl} />
          ))}
        </div>
      )}
      <h2>Telemetry</h2>
      <DeviceTelemetry device={device} />
      <h2>Counters</h2>
      <div className="telemetry-values" data-testid="device-counters">
        <div className="metric-tile"><span className="muted">Messages in</span><b>{formatValue(c.msgsIn)}</b></div>
        <div className="metric-tile"><span className="muted">Messages out</span><b>{formatValue(c.msgsOut)}</b></div>
        <div className="metric-tile"><span className="muted">Bytes in</span><b>{formatBytes(c.bytesIn)}</b></div>
        <div className="metric-tile"><span className="muted">Bytes out</span><b>{formatBytes(c.bytesOut)}</b></div>
        <div className="metric-tile"><span className="muted">Errors</span><b>{formatValue(c.errors)}</b></div>
        <div className="metric-tile"><span className="muted">Drops</span><b>{formatValue(c.drops)}</b></div>
      </div>
      <h2>Actions</h2>
      {/* keyed: a token rotated on one device's page must not show on the next device's page */}
      <DeviceActions key={device.id} id={device.id} online={device.online} />
      <h2>Traffic of {device.id}</h2>
      <div className="device-traffic">
        {traffic.length === 0 ? <p className="muted">No frames from or to this device yet.</p> : <TrafficList rows={traffic} selectedSeq={selected} onSelect={selectRow} testId="device-traffic" />}
      </div>
    </section>
  );
}
