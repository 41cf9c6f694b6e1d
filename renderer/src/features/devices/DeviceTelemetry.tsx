import { useEffect, useMemo, useState } from 'react';
import type { DeviceSummary, MetricsRange } from '../../../../shared/api/contract';
import { fitToData } from '../../components/data-since';
import { downloadText } from '../../components/download';
import { formatValue } from '../../components/format';
import { useHostGate, type HostGate } from '../../components/hostGate';
import { PALETTE, SeriesChart } from '../../components/SeriesChart';
import { useHostNow } from '../../components/useNow';
import { useApp } from '../../store/context';
import { HISTORY_POINTS, HISTORY_SPACING_MS } from '../../store/telemetry-history';
import { telemetryCsv, telemetryCsvFilename } from './telemetry-csv';
import { STORED_REFRESH_MS, useStoredTelemetry } from './useStoredTelemetry';

const MAX_CHARTS = 6;
/** What a live chart spans: the samples a channel keeps (2 minutes). */
const LIVE_SPAN_MS = HISTORY_POINTS * HISTORY_SPACING_MS;
const HOUR_MS = 3_600_000;
const STORED_SPAN_MS: Record<Exclude<TelemetryRange, 'live'>, number> = { '1h': HOUR_MS, '24h': 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS };
const STORED_NAMES: Record<Exclude<TelemetryRange, 'live'>, string> = { '1h': 'last hour', '24h': 'last 24 hours', '30d': 'last 30 days' };

type TelemetryRange = 'live' | Exclude<MetricsRange, '5m'>;
const RANGES: { range: TelemetryRange; label: string }[] = [
  { range: 'live', label: 'Live' },
  { range: '1h', label: '1 hour' },
  { range: '24h', label: '24 hours' },
  { range: '30d', label: '30 days' },
];

/**
 * Live values of every channel and a chart per numeric channel: live (the last 2 minutes, 1 Hz
 * redraw: the host's recent readings when the chart opens, then what this window receives) or
 * stored by the host (1 hour, 24 hours, 30 days: the average with the min and max around it).
 */
export function DeviceTelemetry({ device }: { device: DeviceSummary }) {
  const [range, setRange] = useState<TelemetryRange>('live');
  const gate = useHostGate();
  const labels = useMemo(() => new Map(device.telemetryChannels.map((c) => [c.id, `${c.label ?? c.id}${c.unit ? ` (${c.unit})` : ''}`])), [device.telemetryChannels]);
  const values = Object.entries(device.telemetry);
  if (values.length === 0) {
    return <p className="muted">No telemetry yet. Devices report it with {'{"telemetry":{"temp":21.5}}'} to "server".</p>;
  }
  return (
    <>
      <div className="telemetry-values" data-testid="telemetry-values">
        {values.map(([k, v]) => (
          <div key={k} className="metric-tile">
            <span className="muted">{labels.get(k) ?? k}</span>
            <b>{formatValue(v)}</b>
          </div>
        ))}
      </div>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Telemetry range">
          {RANGES.map((r) => {
            // stored ranges ask the host; Live draws what this window receives (and the host's recent
            // readings when it can get them)
            const held = r.range !== 'live' && gate.down;
            return (
              <button key={r.range} type="button" className={range === r.range ? 'active' : ''} aria-pressed={range === r.range} onClick={() => setRange(r.range)} disabled={held} {...(held ? gate.why : {})}>
                {r.label}
              </button>
            );
          })}
        </div>
        {gate.note}
      </div>
      {range === 'live' ? <LiveCharts id={device.id} labels={labels} /> : <StoredCharts id={device.id} range={range} labels={labels} gate={gate} />}
    </>
  );
}

function LiveCharts({ id, labels }: { id: string; labels: Map<string, string> }) {
  const history = useApp((s) => s.telemetryHistory[id]);
  const loadRecent = useApp((s) => s.loadRecentTelemetry);
  // once per device shown: the host's last 2 minutes go in front of what this window has
  useEffect(() => void loadRecent(id), [id, loadRecent]);
  // every channel's chart spans the same 2 minutes, up to the device's newest reading, so their
  // times line up one above the other however long each channel has been reporting
  const { charts, span } = useMemo(() => {
    const shown = Object.entries(history ?? {}).slice(0, MAX_CHARTS);
    const to = Math.max(0, ...shown.map(([, samples]) => samples.at(-1)?.ts ?? 0));
    return { charts: shown.map(([ch, samples]) => ({ ch, data: samples.map((p) => ({ ts: p.ts, [ch]: p.v })) })), span: to > 0 ? { from: to - LIVE_SPAN_MS, to } : undefined };
  }, [history]);
  return (
    <div className="chart-grid">
      {charts.map((c, i) => (
        <SeriesChart key={c.ch} phaseMs={i * 160} title={labels.get(c.ch) ?? c.ch} testId={`telemetry-live-${c.ch}`} data={c.data} span={span} series={[{ key: c.ch, label: c.ch, color: PALETTE[i % PALETTE.length]! }]} height={160} fromZero={false} />
      ))}
    </div>
  );
}

function StoredCharts({ id, range, labels, gate }: { id: string; range: Exclude<TelemetryRange, 'live'>; labels: Map<string, string>; gate: HostGate }) {
  const { series, loading } = useStoredTelemetry(id, range);
  // the whole range up to now for every channel (the host answers only the minutes with readings);
  // the clock ticks with the refresh, so the newest answer's last minute may be later than it
  const now = useHostNow(STORED_REFRESH_MS);
  // readings of only the range's last part: the axis fits them (not a sliver at the right), with a note
  const { span, note: since } = useMemo(() => {
    const to = Math.max(now, ...(series ?? []).map((s) => s.points.at(-1)?.ts ?? 0));
    const firsts = (series ?? []).flatMap((s) => (s.points.length > 0 ? [s.points[0]!.ts] : []));
    return fitToData({ from: to - STORED_SPAN_MS[range], to }, firsts.length > 0 ? Math.min(...firsts) : null, STORED_NAMES[range]);
  }, [now, range, series]);
  const notify = useApp((s) => s.notify);
  // chart rows made once per answer, so the charts redraw only when the data changed
  const charts = useMemo(() => (series ?? []).slice(0, MAX_CHARTS).map((s) => ({ channel: s.channel, rows: s.points.map((p) => ({ ts: p.ts, avg: p.avg, min: p.min, max: p.max })) })), [series]);
  if (series === null) {
    return (
      <p className="muted" role="status" data-testid="telemetry-stored-loading">
        {loading ? 'Loading stored telemetry…' : 'Stored telemetry loads once the host answers.'}
      </p>
    );
  }
  if (series.length === 0) {
    return (
      <p className="muted" data-testid="telemetry-stored-empty">
        No stored telemetry for this range yet. The host keeps numeric readings per minute for 30 days.
      </p>
    );
  }
  // the range as shown (every channel, not only the charted ones); held like the other exports
  const exportCsv = () => {
    const csv = telemetryCsv(series);
    const filename = telemetryCsvFilename(id, range);
    downloadText(filename, 'text/csv', csv.content);
    notify('info', `Exported ${csv.rows} rows to ${filename}`);
  };
  return (
    <>
    <div className="toolbar">
      <button type="button" className="btn" onClick={exportCsv} disabled={gate.down} {...gate.why} data-testid="telemetry-export-csv">
        Export CSV
      </button>
      {since && (
        <span className="muted" data-testid="telemetry-since">
          {since}
        </span>
      )}
    </div>
    <div className="chart-grid">
      {charts.map((s, i) => {
        const color = PALETTE[i % PALETTE.length]!;
        return (
          <SeriesChart
            key={s.channel}
            phaseMs={i * 160}
            title={labels.get(s.channel) ?? s.channel}
            testId={`telemetry-stored-${s.channel}`}
            data={s.rows}
            span={span}
            series={[
              { key: 'avg', label: `${s.channel} average`, color },
              { key: 'min', label: 'min', color, faint: true },
              { key: 'max', label: 'max', color, faint: true },
            ]}
            height={160}
            fromZero={false}
          />
        );
      })}
    </div>
    </>
  );
}
