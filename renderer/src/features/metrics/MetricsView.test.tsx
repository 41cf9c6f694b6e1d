// @vitest-environment jsdom
import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
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
