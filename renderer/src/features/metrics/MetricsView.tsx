import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { MetricsRange } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { fitToData, firstValueTime } from '../../components/data-since';
import { downloadText } from '../../components/download';
import { EmptyState } from '../../components/EmptyState';
import { HostWaiting, useHostAnswered, useHostGate } from '../../components/hostGate';
import { PALETTE, SeriesChart } from '../../components/SeriesChart';
import { usePolled } from '../../components/usePolled';
import { useApi, useApp } from '../../store/context';
import { STORED_RANGE_REFRESH_MS } from '../../store/metrics-slice';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { DeviceSeries } from './DeviceSeries';
import { chartSpan, downsample, LIVE_REDRAW_MS, liveWindow, newestSample } from './series';
import { TopTalkers } from './TopTalkers';

const RANGES: { range: MetricsRange; label: string }[] = [
  { range: '5m', label: 'Live 5 min' },
  { range: '1h', label: '1 hour' },
  { range: '24h', label: '24 hours' },
  { range: '30d', label: '30 days' },
];
const STAGGER_MS = 160;
const RANGE_NAMES: Record<MetricsRange, string> = { '5m': 'last 5 minutes', '1h': 'last hour', '24h': 'last 24 hours', '30d': 'last 30 days' };

/** Counts break where the host was not running (nulls); the RTT line joins the steps that had a ping. */
const S = {
  msgs: [
    { key: 'msgsIn', label: 'in msgs/s', color: PALETTE[0]!, gaps: true },
    { key: 'msgsOut', label: 'out msgs/s', color: PALETTE[1]!, gaps: true },
  ],
  bytes: [
    { key: 'bytesIn', label: 'in bytes/s', color: PALETTE[0]!, gaps: true },
    { key: 'bytesOut', label: 'out bytes/s', color: PALETTE[1]!, gaps: true },
  ],
  rtt: [{ key: 'rttMs', label: 'RTT ms', color: PALETTE[2]! }],
  errors: [
    { key: 'errors', label: 'errors/s', color: PALETTE[1]!, gaps: true },
    { key: 'drops', label: 'drops/s', color: PALETTE[3]!, gaps: true },
    { key: 'queueDepth', label: 'queue (msgs waiting)', color: PALETTE[4]!, gaps: true },
  ],
  udp: [
    { key: 'udpLoss', label: 'lost packets/s', color: PALETTE[3]!, gaps: true },
    { key: 'udpRetransmits', label: 'retransmits/s', color: PALETTE[5]!, gaps: true },
    { key: 'udpSpurious', label: 'late acks/s', color: PALETTE[7]!, gaps: true },
  ],
};

export function MetricsView() {
  const api = useApi();
  const { range, device, historical, loading, notify } = useApp(useShallow((s) => ({ range: s.range, device: s.metricsDevice, historical: s.historical, loading: s.historicalLoading, notify: s.notify })));
  const { setRange, setMetricsDevice, refreshRange } = useApp(useShallow((s) => ({ setRange: s.setRange, setMetricsDevice: s.setMetricsDevice, refreshRange: s.refreshRange })));
  const ids = useApp((s) => s.deviceIds);
  const names = useDeviceLabels(ids);
  // each chart throttles its own redraws (1 Hz, staggered); this view only cuts the windows
  const live = useApp((s) => s.live);
  const rateHistory = useApp((s) => s.rateHistory);
  const answered = useHostAnswered();
  // the host said it opened no UDP port: its loss chart could only ever be empty
  const udpOff = useApp((s) => s.hello !== null && s.hello.udpPort === null);
  // Export asks the host for the range; the charts keep showing what is already here.
  const gate = useHostGate();
  // a stored range is the host's answer at the click: asked again on coming back and every minute
  useEffect(() => void refreshRange(), [refreshRange]);
  useEffect(() => {
    if (range === '5m' || gate.down) return;
    const timer = setInterval(() => void refreshRange(), STORED_RANGE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [range, device, gate.down, refreshRange]);
  // The pushed live points are all-device totals: one device's last 5 minutes (1 s points) come
  // from the host, asked again at each redraw while that device is picked.
  const deviceLive = range === '5m' && device !== '';
  const polled = usePolled('metrics.series', { range: '5m', device }, LIVE_REDRAW_MS, { enabled: deviceLive && !gate.down });
  const deviceLoading = deviceLive && polled.data === null && polled.error === null;
  const { points, span, since } = useMemo(() => {
    const src = range !== '5m' ? (historical ?? []) : deviceLive ? (polled.data ?? []) : liveWindow(live, live[live.length - 1]?.ts ?? 0);
    const rows = downsample(src as unknown as Record<string, number | null>[]);
    // one time axis for every chart here, the per-device one too
    const whole = chartSpan(range, src, range === '5m' ? newestSample(rateHistory) : 0) ?? undefined;
    if (range === '5m') return { points: rows, span: whole, since: null };
    // a stored range the host ran for only lately: the axis fits what there is, with a note
    const fitted = fitToData(whole, firstValueTime(rows, Object.values(S).flatMap((defs) => defs.map((d) => d.key))), RANGE_NAMES[range]);
    return { points: rows, span: fitted.span, since: fitted.note };
  }, [range, live, historical, rateHistory, deviceLive, polled.data]);
  const scope = device ? names[ids.indexOf(device)] ?? device : 'all devices';

  const exportCsv = async () => {
    try {
      const file = await api.call('export.metrics', device ? { range, device } : { range });
      downloadText(file.filename, file.mime, file.content);
      notify('info', `Exported ${file.rows} rows to ${file.filename}`);
    } catch (err) {
      notify('error', `Export failed: ${errorText(err)}`);
    }
  };

  return (
    <section className="view metrics-view" data-testid="metrics-view">
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.range} type="button" className={range === r.range ? 'active' : ''} aria-pressed={range === r.range} onClick={() => void setRange(r.range, device)}>
              {r.label}
            </button>
          ))}
        </div>
        <select
          aria-label="Metrics device"
          value={device}
          onChange={(e) => void setMetricsDevice(e.target.value)}
        >
          <option value="">All devices</option>
          {ids.map((id, i) => (
            <option key={id} value={id}>
              {names[i]}
            </option>
          ))}
        </select>
        <button type="button" className="btn" onClick={() => void exportCsv()} disabled={gate.down} {...gate.why}>
          Export CSV
        </button>
        {(loading || deviceLoading) && <span className="muted">loading…</span>}
        {gate.note}
      </div>
      <p className="muted metrics-scope" data-testid="metrics-scope">
        {device ? `Charts show ${scope} only.` : 'Charts show all devices together (pick one above to see only it).'}
        {deviceLive && polled.error && ` Could not load its last 5 minutes: ${polled.error}`}
        {since && (
          <>
            {' '}
            <span data-testid="metrics-since">{since}</span>
          </>
        )}
      </p>
      {points.length === 0 && !answered ? (
        <HostWaiting view="metrics" what="Charts fill in" />
      ) : points.length === 0 && !loading && !deviceLoading ? (
        <EmptyState title="No metrics yet" testId="metrics-empty">
          {range === '5m' ? 'The host sends a point every second while it runs; charts fill in as devices talk.' : 'No rollups for this range yet: they accumulate while the host runs.'}
        </EmptyState>
      ) : (
        <div className="chart-grid">
          <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={1 * STAGGER_MS} title="Messages per second" span={span} data={points} series={S.msgs} testId="chart-msgs" />
          <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={2 * STAGGER_MS} title="Bytes per second" span={span} data={points} series={S.bytes} />
          <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={3 * STAGGER_MS} title="Round-trip time" testId="chart-rtt" span={span} data={points} series={S.rtt} empty="No round-trip times yet: they come from the devices' pings." />
          <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={4 * STAGGER_MS} title="Errors and drops per second, queue" testId="chart-errors" span={span} note="Errors and drops: per second (averaged over each step). Queue: messages waiting to be sent, a count." data={points} series={S.errors} />
          {udpOff ? (
            // a notice in a chart's place, not a chart (no figure, no Tab stop: nothing to read)
            <div className="chart" data-testid="chart-udp" role="group" aria-labelledby="metrics-udp-off">
              <p className="chart-title" id="metrics-udp-off">
                UDP loss and retransmits per second
              </p>
              <p className="chart-empty muted" style={{ height: 220 }}>
                UDP is off in this run: devices talk over TCP only.
              </p>
            </div>
          ) : (
            <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={5 * STAGGER_MS} title="UDP loss and retransmits per second" testId="chart-udp" span={span} note="Per second (averaged over each step). Loss: packets proven lost. Late acks: resends that turned out unneeded." data={points} series={S.udp} />
          )}
          {range === '5m' && <DeviceSeries scope={device} phaseMs={6 * STAGGER_MS} span={span} />}
        </div>
      )}
      <TopTalkers />
    </section>
  );
}
