import { useMemo, useState } from 'react';
import { PALETTE, SeriesChart } from '../../components/SeriesChart';
import { useApp } from '../../store/context';
import { downsample, LIVE_WINDOW_MS, mergeDeviceSeries, newestSample, topDevices } from './series';

/** Lines one chart draws at most, so the legend stays readable and the colours distinct. */
export const MAX_DEVICE_SERIES = 6;
/** Devices charted when the user picked none. */
export const TOP_DEVICES_CHARTED = 5;
/** Suggestions the picker offers for what was typed. */
const SUGGESTIONS = 50;

/**
 * Live msgs/s per device over the last 5 minutes: the busiest devices of the window, or the ones
 * the user picked (up to MAX_DEVICE_SERIES), each in its own palette colour with a legend.
 */
export function DeviceSeries({ scope, phaseMs }: { scope: string; phaseMs: number }) {
  const rateHistory = useApp((s) => s.rateHistory);
  const ids = useApp((s) => s.deviceIds);
  const [picked, setPicked] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const full = picked.length >= MAX_DEVICE_SERIES;

  const chart = useMemo(() => {
    const from = newestSample(rateHistory) - LIVE_WINDOW_MS;
    const shown = picked.length > 0 ? picked : scope ? [scope] : topDevices(rateHistory, TOP_DEVICES_CHARTED, from);
    return {
      ids: shown,
      rows: downsample(mergeDeviceSeries(rateHistory, shown, from)),
      series: shown.map((id, i) => ({ key: id, label: id, color: PALETTE[i % PALETTE.length]! })),
    };
  }, [rateHistory, picked, scope]);

  const suggestions = useMemo(() => {
    const q = draft.trim().toLowerCase();
    const out: string[] = [];
    for (const id of ids) {
      if (out.length >= SUGGESTIONS) break;
      if (!picked.includes(id) && id.toLowerCase().includes(q)) out.push(id);
    }
    return out;
  }, [ids, draft, picked]);

  const add = () => {
    const id = draft.trim();
    if (!id || full || picked.includes(id) || !ids.includes(id)) return;
    setPicked([...picked, id]);
    setDraft('');
  };

  const title = picked.length > 0 ? 'Chosen devices, msgs/s' : scope ? `${scope}, msgs/s` : `Busiest devices (top ${TOP_DEVICES_CHARTED} of the last 5 min), msgs/s`;
  return (
    <div className="device-series" data-testid="device-series" data-devices={chart.ids.join(',')}>
      <div className="toolbar" role="group" aria-label="Devices on the per-device chart">
        <input
          list="device-series-ids"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && add()}
          placeholder={full ? `At most ${MAX_DEVICE_SERIES} devices` : 'Add a device to the chart…'}
          aria-label="Add a device to the chart"
          disabled={full}
        />
        <datalist id="device-series-ids">
          {suggestions.map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
        <button type="button" className="btn" onClick={add} disabled={full || !ids.includes(draft.trim())}>
          Add
        </button>
        {chart.series.map((s) =>
          picked.includes(s.key) ? (
            <button key={s.key} type="button" className="btn chip" style={{ borderColor: s.color }} onClick={() => setPicked(picked.filter((p) => p !== s.key))} aria-label={`Remove ${s.key} from the chart`}>
              <span className="swatch" style={{ background: s.color }} /> {s.key} ✕
            </button>
          ) : null,
        )}
        {picked.length > 0 && (
          <button type="button" className="btn ghost" onClick={() => setPicked([])}>
            Show the busiest
          </button>
        )}
      </div>
      {chart.ids.length === 0 ? (
        <p className="muted">No device traffic in the last 5 minutes yet.</p>
      ) : (
        <SeriesChart phaseMs={phaseMs} title={title} data={chart.rows} series={chart.series} testId="chart-devices" />
      )}
    </div>
  );
}
