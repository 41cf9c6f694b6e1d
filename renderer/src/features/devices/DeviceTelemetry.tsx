import { useMemo } from 'react';
import type { DeviceSummary } from '../../../../shared/api/contract';
import { PALETTE, SeriesChart } from '../../components/SeriesChart';
import { useApp } from '../../store/context';

const MAX_CHARTS = 6;

/** Live values of every channel and a chart per numeric channel (bounded history, 1 Hz redraw). */
export function DeviceTelemetry({ device }: { device: DeviceSummary }) {
  const history = useApp((s) => s.telemetryHistory[device.id]);
  const labels = useMemo(() => new Map(device.telemetryChannels.map((c) => [c.id, `${c.label ?? c.id}${c.unit ? ` (${c.unit})` : ''}`])), [device.telemetryChannels]);
  const charts = useMemo(
    () =>
      Object.entries(history ?? {})
        .slice(0, MAX_CHARTS)
        .map(([ch, samples]) => ({ ch, data: samples.map((p) => ({ ts: p.ts, [ch]: p.v })) })),
    [history],
  );
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
            <b>{String(v)}</b>
          </div>
        ))}
      </div>
      <div className="chart-grid">
        {charts.map((c, i) => (
          <SeriesChart key={c.ch} phaseMs={i * 160} title={labels.get(c.ch) ?? c.ch} data={c.data} series={[{ key: c.ch, label: c.ch, color: PALETTE[i % PALETTE.length]! }]} height={160} />
        ))}
      </div>
    </>
  );
}
