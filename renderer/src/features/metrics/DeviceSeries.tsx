import { useEffect, useMemo, useRef, useState } from 'react';
import { PALETTE, SeriesChart, type TimeSpan } from '../../components/SeriesChart';
import { useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { downsample, LIVE_REDRAW_MS, LIVE_WINDOW_MS, mergeDeviceSeries, newestSample, topDevices } from './series';

/** Lines one chart draws at most, so the legend stays readable and the colours distinct. */
export const MAX_DEVICE_SERIES = 6;
/** Devices charted when the user picked none. */
export const TOP_DEVICES_CHARTED = 5;
/** Suggestions the picker offers for what was typed. */
const SUGGESTIONS = 50;

/**
 * Live msgs/s per device over the last 5 minutes: the busiest devices of the window, or the ones
 * the user picked (up to MAX_DEVICE_SERIES), each in its own palette colour with a legend.
 * `span`: the window the other charts of the page show (its time axis lines up with theirs); by
 * default the 5 minutes up to the newest sample.
 */
export function DeviceSeries({ scope, phaseMs, span: given }: { scope: string; phaseMs: number; span?: TimeSpan }) {
  const rateHistory = useApp((s) => s.rateHistory);
  const ids = useApp((s) => s.deviceIds);
  // each picked device keeps the palette slot it got when added, so removing one recolours none
  const [picked, setPicked] = useState<{ id: string; color: string }[]>([]);
  const [draft, setDraft] = useState('');
  const full = picked.length >= MAX_DEVICE_SERIES;

  const givenFrom = given?.from;
  const givenTo = given?.to;
  const chart = useMemo(() => {
    const to = givenTo ?? newestSample(rateHistory);
    const from = givenFrom ?? to - LIVE_WINDOW_MS;
    const series =
      picked.length > 0
        ? picked.map((p) => ({ key: p.id, label: p.id, color: p.color }))
        : (scope ? [scope] : topDevices(rateHistory, TOP_DEVICES_CHARTED, from)).map((id, i) => ({ key: id, label: id, color: PALETTE[i % PALETTE.length]! }));
    const ids = series.map((x) => x.key);
    return { ids, rows: downsample(mergeDeviceSeries(rateHistory, ids, from)), series, span: { from, to } };
  }, [rateHistory, picked, scope, givenFrom, givenTo]);

  // legends say "Label (id)" for devices the user named
  const names = useDeviceLabels(chart.ids);
  const series = useMemo(() => chart.series.map((x, i) => ({ ...x, label: names[i] ?? x.label })), [chart.series, names]);

  const suggestions = useMemo(() => {
    const q = draft.trim().toLowerCase();
    const out: string[] = [];
    for (const id of ids) {
      if (out.length >= SUGGESTIONS) break;
      if (!picked.some((p) => p.id === id) && id.toLowerCase().includes(q)) out.push(id);
    }
    return out;
  }, [ids, draft, picked]);

  // Add disables itself (the field empties), a chip goes when pressed, the field disables at the
  // limit: the focus moves on to the field or a neighbouring chip, not to the page body
  const toolbar = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);
  /** After the next change of the picks: the chip of this device, or '' for the field. */
  const focusAfter = useRef<string | null>(null);
  useEffect(() => {
    const target = focusAfter.current;
    if (target === null) return;
    focusAfter.current = null;
    const chip = Array.from(toolbar.current?.querySelectorAll<HTMLElement>('[data-chip]') ?? []).find((el) => el.dataset.chip === target);
    (chip ?? field.current)?.focus();
  }, [picked]);
  const pick = (next: { id: string; color: string }[], focus: string) => {
    focusAfter.current = focus;
    setPicked(next);
  };

  const add = () => {
    const id = draft.trim();
    if (!id || full || picked.some((p) => p.id === id) || !ids.includes(id)) return;
    const color = PALETTE.find((c) => !picked.some((p) => p.color === c))!;
    // the last one fills the chart and disables the field: its chip takes the focus
    pick([...picked, { id, color }], picked.length + 1 >= MAX_DEVICE_SERIES ? id : '');
    setDraft('');
  };
  const remove = (i: number) => pick(picked.filter((_, j) => j !== i), (picked[i + 1] ?? picked[i - 1])?.id ?? '');

  const title = picked.length > 0 ? 'Chosen devices, msgs/s' : scope ? `${scope}, msgs/s` : `Busiest devices (top ${TOP_DEVICES_CHARTED} of the last 5 min), msgs/s`;
  return (
    <div className="device-series" data-testid="device-series" data-devices={chart.ids.join(',')}>
      <div className="toolbar" role="group" aria-label="Devices on the per-device chart" ref={toolbar}>
        <input
          ref={field}
          list="device-series-ids"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && add()}
          placeholder={ids.length === 0 ? 'No devices yet' : full ? `At most ${MAX_DEVICE_SERIES} devices` : 'Add a device to the chart…'}
          aria-label="Add a device to the chart"
          disabled={full || ids.length === 0}
        />
        <datalist id="device-series-ids">
          {suggestions.map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
        <button type="button" className="btn" onClick={add} disabled={full || !ids.includes(draft.trim())}>
          Add
        </button>
        {picked.map((p, i) => (
          <button key={p.id} type="button" className="btn chip" style={{ borderColor: p.color }} onClick={() => remove(i)} aria-label={`Remove ${p.id} from the chart`} data-chip={p.id}>
            <span className="swatch" style={{ background: p.color }} /> {p.id} ✕
          </button>
        ))}
        {picked.length > 0 && (
          <button type="button" className="btn ghost" onClick={() => pick([], '')}>
            Show the busiest
          </button>
        )}
      </div>
      {chart.ids.length === 0 ? (
        <p className="muted">No device traffic in the last 5 minutes yet.</p>
      ) : (
        <SeriesChart throttleMs={LIVE_REDRAW_MS} phaseMs={phaseMs} title={title} data={chart.rows} span={chart.span} series={series} testId="chart-devices" />
      )}
    </div>
  );
}
