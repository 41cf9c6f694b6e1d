// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { fakeDevice } from '../../api/fake-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STORED_RANGE_REFRESH_MS } from '../../store/metrics-slice';
import { measureChartText, renderWith, timeAxisLabels, withChartLayout } from '../../test-utils';
import { MetricsView } from './MetricsView';

withChartLayout();

describe('metrics view while the host is away', () => {
  it('holds Export CSV with the reason and gives it back on reconnect', () => {
    const { client } = renderWith(<MetricsView />);
    const exportButton = () => screen.getByRole('button', { name: 'Export CSV' }) as HTMLButtonElement;
    expect(exportButton().disabled).toBe(false);
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect(exportButton().disabled).toBe(true);
    expect(exportButton().title).toBe('Not connected to the host');
    expect(document.getElementById(exportButton().getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    act(() => client.setStatus('open'));
    expect(exportButton().disabled).toBe(false);
  });
});

describe('metrics view time axes', () => {
  it('draws the busiest devices over the same window as the other charts, though their samples cover less of it', async () => {
    const t0 = new Date(2026, 0, 1, 10, 0, 0).getTime();
    const at = (s: number) => t0 + s * 1000;
    // the host ran for the last 30 s of the 5 minutes: before that its points are gaps (nulls)
    const point = (s: number, on: boolean) => ({ ts: at(s), msgsIn: on ? 2 : null, msgsOut: on ? 0 : null, bytesIn: null, bytesOut: null, errors: null, drops: null, rttMs: null, queueDepth: null, udpLoss: null, udpRetransmits: null, udpSpurious: null });
    const { store } = renderWith(<MetricsView />);
    const restore = measureChartText();
    try {
      act(() =>
        store.setState({
          live: Array.from({ length: 301 }, (_, s) => point(s, s >= 270)),
          rateHistory: { d1: Array.from({ length: 31 }, (_, i) => ({ ts: at(270 + i), v: 2 })) },
        }),
      );
      const whole = ['10:00:00', '10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00'];
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('chart-msgs'))).toEqual(whole));
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('chart-devices'))).toEqual(whole));
    } finally {
      restore();
    }
  });
});

describe('metrics view live charts for one device', () => {
  it("charts the picked device's own last 5 minutes, not the all-device totals, and says which", async () => {
    const t0 = new Date(2026, 0, 1, 10, 0, 0).getTime();
    const point = (s: number, msgsIn: number) => ({ ts: t0 + s * 1000, msgsIn, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0, rttMs: null, queueDepth: 0, udpLoss: 0, udpRetransmits: 0, udpSpurious: 0 });
    const { store, client } = renderWith(<MetricsView />);
    client.handlers['metrics.series'] = (p) => (p.device === 'd1' ? Array.from({ length: 5 }, (_, s) => point(s, 3)) : []);
    act(() => void client.emit({ devices: [fakeDevice('d1'), fakeDevice('d2')] }));
    act(() => store.setState({ live: Array.from({ length: 5 }, (_, s) => point(s, 100)) }));
    await waitFor(() => expect(screen.getByTestId('chart-msgs-summary').textContent).toContain('in msgs/s: now 100'));
    expect(screen.getByTestId('metrics-scope').textContent).toMatch(/all devices/);
    fireEvent.change(screen.getByLabelText('Metrics device'), { target: { value: 'd1' } });
    await waitFor(() => expect(screen.getByTestId('chart-msgs-summary').textContent).toContain('in msgs/s: now 3,'), { timeout: 5000 });
    expect(client.calls.some((c) => c.method === 'metrics.series' && JSON.stringify(c.params) === JSON.stringify({ range: '5m', device: 'd1' }))).toBe(true);
    expect(screen.getByTestId('metrics-scope').textContent).toBe('Charts show d1 only.');
  });
});

describe('metrics view empty charts', () => {
  const t0 = new Date(2026, 0, 1, 10, 0, 0).getTime();
  const idle = (s: number) => ({ ts: t0 + s * 1000, msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0, rttMs: null, queueDepth: 0, udpLoss: 0, udpRetransmits: 0, udpSpurious: 0 });

  it('says no RTT has been measured yet, and that UDP is off when the host opened no UDP port', async () => {
    const { store } = renderWith(<MetricsView />);
    act(() => store.setState({ live: Array.from({ length: 5 }, (_, s) => idle(s)) }));
    await waitFor(() => expect(screen.getByTestId('chart-rtt-empty').textContent).toMatch(/No round-trip times yet/));
    expect(screen.getByTestId('chart-udp').textContent).toMatch(/UDP is off in this run/);
    expect(screen.getByTestId('chart-udp').querySelector('[role="application"]')).toBeNull();
  });

  it('draws the UDP chart when the host listens on UDP', async () => {
    const { store } = renderWith(<MetricsView />);
    act(() => store.setState({ hello: { ...store.getState().hello!, udpPort: 8080 }, live: Array.from({ length: 5 }, (_, s) => idle(s)) }));
    await waitFor(() => expect(screen.getByTestId('chart-udp').querySelector('[role="application"]')).not.toBeNull(), { timeout: 4000 });
    expect(screen.getByTestId('chart-udp').textContent).not.toMatch(/UDP is off/);
  });
});

describe('metrics view units', () => {
  it('says which charts are per second and which are counts, in the title, the note and the legend (the tooltip)', async () => {
    const t0 = new Date(2026, 0, 1, 10, 0, 0).getTime();
    const point = (s: number) => ({ ts: t0 + s * 1000, msgsIn: 1, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 1, drops: 0, rttMs: null, queueDepth: 2, udpLoss: 1, udpRetransmits: 0, udpSpurious: 0 });
    const { store } = renderWith(<MetricsView />);
    act(() => store.setState({ hello: { ...store.getState().hello!, udpPort: 8080 }, live: Array.from({ length: 5 }, (_, s) => point(s)) }));
    const legend = (id: string) => Array.from(screen.getByTestId(id).querySelectorAll('.recharts-legend-item-text')).map((t) => t.textContent);
    await waitFor(() => expect(legend('chart-errors')).toEqual(['errors/s', 'drops/s', 'queue (msgs waiting)']), { timeout: 4000 });
    expect(screen.getByTestId('chart-errors').querySelector('figcaption')!.textContent).toMatch(/per second/);
    expect(screen.getByTestId('chart-errors').textContent).toMatch(/Queue: messages waiting to be sent, a count/);
    await waitFor(() => expect(legend('chart-udp')).toEqual(['lost packets/s', 'retransmits/s', 'late acks/s']), { timeout: 4000 });
    expect(screen.getByTestId('chart-udp').querySelector('figcaption')!.textContent).toMatch(/per second/);
  });
});

describe('metrics view, a long range the host ran for only lately', () => {
  it('fits the time axis to the data and says since when, instead of a sliver at the right edge', async () => {
    const t0 = new Date(2026, 0, 2, 14, 30, 0).getTime();
    const H = 3_600_000;
    // 24 hours of 1-minute steps, the host ran for the last 30 of them (nulls before)
    const historical = Array.from({ length: 24 * 60 + 1 }, (_, i) => {
      const ts = t0 - 24 * H + i * 60_000;
      const on = ts >= t0 - 30 * 60_000;
      return { ts, msgsIn: on ? 1 : null, msgsOut: on ? 1 : null, bytesIn: on ? 10 : null, bytesOut: on ? 10 : null, errors: on ? 0 : null, drops: on ? 0 : null, rttMs: null, queueDepth: on ? 0 : null, udpLoss: on ? 0 : null, udpRetransmits: on ? 0 : null, udpSpurious: on ? 0 : null };
    });
    const { store } = renderWith(<MetricsView />);
    const restore = measureChartText();
    try {
      act(() => store.setState({ range: '24h', historical }));
      expect(screen.getByTestId('metrics-since').textContent).toMatch(/^Data since .*14:00 \(30 min of the last 24 hours\)/);
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('chart-msgs'))[0]).toBe('14:00'), { timeout: 4000 });
    } finally {
      restore();
    }
  });
});

describe('metrics view, a device and a stored range picked before leaving', () => {
  afterEach(() => vi.useRealTimers());
  const rangeCalls = (client: ReturnType<typeof renderWith>['client'], range: string) =>
    client.calls.filter((c) => c.method === 'metrics.series' && JSON.stringify(c.params) === JSON.stringify({ range, device: 'd1' })).length;

  it('shows the same device on coming back, with the range drawn for it', async () => {
    const first = renderWith(<MetricsView />);
    const { client, store } = first;
    client.handlers['metrics.series'] = () => [];
    act(() => void client.emit({ devices: [fakeDevice('d1'), fakeDevice('d2')] }));
    fireEvent.change(screen.getByLabelText('Metrics device'), { target: { value: 'd1' } });
    fireEvent.click(screen.getByRole('button', { name: '1 hour' }));
    await waitFor(() => expect(rangeCalls(client, '1h')).toBe(1));
    first.unmount();
    renderWith(<MetricsView />, { client, store });
    expect((screen.getByLabelText('Metrics device') as HTMLSelectElement).value).toBe('d1');
    expect(screen.getByTestId('metrics-scope').textContent).toBe('Charts show d1 only.');
    expect(screen.getByRole('button', { name: '1 hour' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('asks the host again for the stored range every minute while open, and no more once left', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { client, store, unmount } = renderWith(<MetricsView />);
    client.handlers['metrics.series'] = () => [];
    await act(() => store.getState().setRange('1h', 'd1'));
    const before = rangeCalls(client, '1h');
    act(() => vi.advanceTimersByTime(STORED_RANGE_REFRESH_MS));
    expect(rangeCalls(client, '1h')).toBe(before + 1);
    act(() => vi.advanceTimersByTime(STORED_RANGE_REFRESH_MS));
    expect(rangeCalls(client, '1h')).toBe(before + 2);
    unmount();
    act(() => vi.advanceTimersByTime(3 * STORED_RANGE_REFRESH_MS));
    expect(rangeCalls(client, '1h')).toBe(before + 2);
  });
});
