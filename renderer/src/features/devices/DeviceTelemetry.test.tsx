// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { DeviceSummary, TelemetrySeries } from '../../../../shared/api/contract';
import { ApiCallError } from '../../api/errors';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { HOST_DOWN_TEXT } from '../../components/hostGate';
import { StoreProvider } from '../../store/context';
import { measureChartText, renderWith, setup, timeAxisLabels, withChartLayout, withLayout } from '../../test-utils';
import { DeviceTelemetry } from './DeviceTelemetry';

const downloads = vi.hoisted(() => [] as { filename: string; mime: string; content: string }[]);
vi.mock('../../components/download', () => ({ downloadText: (filename: string, mime: string, content: string) => void downloads.push({ filename, mime, content }) }));

withLayout();
withChartLayout();

const T = Date.UTC(2026, 0, 1, 3, 0, 0);
const sensor = fakeDevice('greenhouse', {
  telemetry: { temp: 21.5, humidity: 60 },
  telemetryChannels: [{ id: 'temp', unit: 'C', label: 'Temperature' }],
});
const stored: TelemetrySeries[] = [
  { channel: 'temp', points: [{ ts: T, avg: 12, min: 10, max: 14 }, { ts: T + 60_000, avg: 11, min: 9.5, max: 12 }] },
];

function render(answer: (range: string) => TelemetrySeries[] | Promise<TelemetrySeries[]>) {
  const client = createFakeClient();
  client.handlers['telemetry.series'] = ({ range }) => answer(range);
  return renderWith(<DeviceTelemetry device={sensor} />, setup(client));
}
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('device telemetry range switch', () => {
  it('starts live without asking the host; 1 hour loads the stored series and charts avg with min and max', async () => {
    const { client } = render(() => stored);
    expect(button('Live').getAttribute('aria-pressed')).toBe('true');
    expect(client.calls.filter((c) => c.method === 'telemetry.series')).toEqual([]);
    await act(async () => void fireEvent.click(button('1 hour')));
    expect(client.calls.filter((c) => c.method === 'telemetry.series').map((c) => c.params)).toEqual([{ device: 'greenhouse', range: '1h' }]);
    expect(button('1 hour').getAttribute('aria-pressed')).toBe('true');
    const chart = screen.getByTestId('telemetry-stored-temp');
    expect(chart.querySelector('figcaption')?.textContent).toBe('Temperature (C)');
    // the chart's text summary names all three lines with their values
    expect(screen.getByTestId('telemetry-stored-temp-summary').textContent).toContain('temp average: now 11, lowest 11, highest 12; min: now 9.5, lowest 9.5, highest 10; max: now 12, lowest 12, highest 14');
    expect(chart.querySelectorAll('.recharts-legend-item')).toHaveLength(3);
    // back to Live: the stored charts go
    fireEvent.click(button('Live'));
    expect(screen.queryByTestId('telemetry-stored-temp')).toBeNull();
  });

  it('says loading until the answer, and that nothing is stored when the range is empty', async () => {
    let resolve: (s: TelemetrySeries[]) => void = () => {};
    render(() => new Promise<TelemetrySeries[]>((r) => (resolve = r)));
    fireEvent.click(button('24 hours'));
    expect(screen.getByTestId('telemetry-stored-loading').textContent).toContain('Loading stored telemetry');
    await act(async () => resolve([]));
    expect(screen.getByTestId('telemetry-stored-empty').textContent).toContain('No stored telemetry for this range yet');
  });

  it('reports a failed load as a notice', async () => {
    const { store } = render(() => {
      throw new ApiCallError('internal', 'disk on fire');
    });
    await act(async () => void fireEvent.click(button('30 days')));
    expect(store.getState().notices.map((n) => n.text)).toContain('Could not load stored telemetry of greenhouse (30d): disk on fire');
  });

  it('holds the stored ranges while the host is down, saying why; Live stays available', () => {
    const { store } = render(() => stored);
    act(() => store.setState({ hostDown: true }));
    for (const name of ['1 hour', '24 hours', '30 days']) {
      expect(button(name).disabled).toBe(true);
      expect(button(name).title).toBe(HOST_DOWN_TEXT);
    }
    expect(button('Live').disabled).toBe(false);
    expect(screen.getByTestId('host-down-note')).toBeTruthy();
  });

  it('exports the stored range shown as CSV, and holds Export CSV while the host is down', async () => {
    const { store } = render(() => [...stored, { channel: 'humidity', points: [{ ts: T, avg: 60, min: 58, max: 61, count: 12 }] }]);
    expect(screen.queryByRole('button', { name: 'Export CSV' })).toBeNull(); // nothing stored is shown live
    await act(async () => void fireEvent.click(button('24 hours')));
    downloads.length = 0;
    fireEvent.click(button('Export CSV'));
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.filename).toMatch(/^telemetry-greenhouse-24h-.*\.csv$/);
    expect(downloads[0]!.mime).toBe('text/csv');
    expect(downloads[0]!.content.split('\n')).toEqual([
      'time,channel,avg,min,max,count',
      '2026-01-01T03:00:00.000Z,temp,12,10,14,',
      '2026-01-01T03:01:00.000Z,temp,11,9.5,12,',
      '2026-01-01T03:00:00.000Z,humidity,60,58,61,12',
      '',
    ]);
    expect(store.getState().notices.at(-1)?.text).toBe(`Exported 3 rows to ${downloads[0]!.filename}`);
    act(() => store.setState({ hostDown: true }));
    expect(button('Export CSV').disabled).toBe(true);
    expect(button('Export CSV').title).toBe(HOST_DOWN_TEXT);
    fireEvent.click(button('Export CSV'));
    expect(downloads).toHaveLength(1);
    act(() => store.setState({ hostDown: false }));
    expect(button('Export CSV').disabled).toBe(false);
  });
});

describe('live telemetry from the host\'s recent readings', () => {
  const recent = [{ channel: 'temp', points: [{ ts: T, v: 18 }, { ts: T + 1000, v: 19 }, { ts: T + 2000, v: 20.5 }] }];

  it('a device opened now draws the host\'s last readings at once, asked for once per device shown', async () => {
    const client = createFakeClient();
    client.handlers['telemetry.recent'] = () => recent;
    const { store, rerender } = renderWith(<DeviceTelemetry device={sensor} />, setup(client));
    const summary = await screen.findByTestId('telemetry-live-temp-summary');
    expect(summary.textContent).toContain('temp: now 20.5, lowest 18, highest 20.5');
    expect(store.getState().telemetryHistory.greenhouse?.temp).toHaveLength(3);
    // what this window receives goes after them
    act(() => void client.emit({ ts: T + 3000, devices: [{ ...sensor, telemetry: { temp: 22 } }] }));
    expect(store.getState().telemetryHistory.greenhouse?.temp?.map((p) => p.v)).toEqual([18, 19, 20.5, 22]);
    const show = (device: DeviceSummary) => rerender(<StoreProvider store={store} client={client}><DeviceTelemetry device={device} /></StoreProvider>);
    show({ ...sensor, telemetry: { temp: 22 } });
    const asked = () => client.calls.filter((c) => c.method === 'telemetry.recent').map((c) => c.params);
    expect(asked()).toEqual([{ device: 'greenhouse' }]);
    // another device: asked for its own
    await act(async () => show(fakeDevice('cellar', { telemetry: { temp: 9 } })));
    expect(asked()).toEqual([{ device: 'greenhouse' }, { device: 'cellar' }]);
  });

  it('with the host down nothing changes and nothing is said; the chart fills as readings arrive', async () => {
    const client = createFakeClient();
    client.handlers['telemetry.recent'] = () => {
      throw new ApiCallError('unavailable', 'host down');
    };
    const { store } = renderWith(<DeviceTelemetry device={sensor} />, setup(client));
    await act(async () => {});
    expect(client.calls.map((c) => c.method)).toContain('telemetry.recent');
    expect(store.getState().telemetryHistory).toEqual({});
    expect(store.getState().notices).toEqual([]);
    expect(screen.queryByTestId('telemetry-live-temp')).toBeNull();
    act(() => void client.emit({ ts: T, devices: [sensor] }));
    expect(screen.getByTestId('telemetry-live-temp')).toBeTruthy();
  });
});

describe('telemetry charts of one device share a time axis', () => {
  // not 03:00 like the tests above: recharts caches a label's measured size, and theirs were measured
  // without measureChartText (as wide as the chart, so hidden as overlapping)
  const at = new Date(2026, 0, 1, 7, 0, 0).getTime();
  const points = (fromS: number, toS: number) => Array.from({ length: toS - fromS + 1 }, (_, i) => ({ ts: at + (fromS + i) * 1000, v: i % 3 }));

  it('live: a channel that reports for 20 s spans the same 2 minutes as one that reported for all of them', async () => {
    const client = createFakeClient();
    client.handlers['telemetry.recent'] = () => [
      { channel: 'temp', points: points(1, 120) },
      { channel: 'humidity', points: points(100, 120) },
    ];
    const restore = measureChartText();
    try {
      renderWith(<DeviceTelemetry device={sensor} />, setup(client));
      const whole = ['07:00:00', '07:00:30', '07:01:00', '07:01:30', '07:02:00'];
      // (charts redraw at most once a second)
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('telemetry-live-temp'))).toEqual(whole), { timeout: 3000 });
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('telemetry-live-humidity'))).toEqual(whole), { timeout: 3000 });
    } finally {
      restore();
    }
  });

  it('stored: every channel spans the whole range up to now, not only its minutes with readings', async () => {
    vi.useFakeTimers({ now: at + 3_600_000, toFake: ['Date'] });
    const minutes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ ts: at + (from + i) * 60_000, avg: 1, min: 0, max: 2 }));
    const restore = measureChartText();
    try {
      render(() => [
        { channel: 'temp', points: minutes(0, 60) },
        { channel: 'humidity', points: minutes(50, 60) },
      ]);
      await act(async () => void fireEvent.click(button('1 hour')));
      // the hour from 07:00 to 08:00 on both (which labels in between recharts leaves out for room
      // depends on text sizes it caches across the file's tests: compare the two charts instead)
      const labels = (channel: string) => timeAxisLabels(screen.getByTestId(`telemetry-stored-${channel}`));
      await waitFor(() => expect([labels('temp')[0], labels('temp').at(-1)]).toEqual(['07:00', '08:00']), { timeout: 3000 });
      await waitFor(() => expect(labels('humidity')).toEqual(labels('temp')), { timeout: 3000 });
      expect(labels('temp').length).toBeGreaterThanOrEqual(4);
    } finally {
      restore();
      vi.useRealTimers();
    }
  });
});

describe('device telemetry, a long range with only its last minutes stored', () => {
  const at = new Date(2026, 0, 1, 14, 0, 0).getTime();

  it('fits the time axis to the readings and says since when, instead of a sliver at the right edge', async () => {
    vi.useFakeTimers({ now: at + 30 * 60_000, toFake: ['Date'] });
    const restore = measureChartText();
    try {
      render(() => [{ channel: 'temp', points: Array.from({ length: 31 }, (_, i) => ({ ts: at + i * 60_000, avg: 20, min: 19, max: 21 })) }]);
      await act(async () => void fireEvent.click(button('24 hours')));
      expect(screen.getByTestId('telemetry-since').textContent).toMatch(/^Data since .*14:00 \(30 min of the last 24 hours\)/);
      // the axis starts at 14:00, not 24 hours earlier
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('telemetry-stored-temp'))[0]).toBe('14:00'), { timeout: 3000 });
    } finally {
      restore();
      vi.useRealTimers();
    }
  });
});
