// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type UdpDropRate, type UdpDropStats, type UdpEndpointDrops } from '../../../../shared/api/contract';
import { createFakeClient } from '../../api/fake-client';
import { measureChartText, renderWith, setup, timeAxisLabels, withChartLayout } from '../../test-utils';
import { SettingsView } from './SettingsView';
import { UdpDropsCard, UdpDropsDetails } from './UdpDropsCard';

afterEach(cleanup);
withChartLayout();

const NOW = 10_000_000;
const zero: UdpEndpointDrops = { header: 0, unknownSession: 0, helloRejected: 0, helloThrottled: 0, authFailed: 0, replayed: 0, malformed: 0, badEnvelope: 0, migrations: 0, amplificationLimited: 0, unfinishedAtClose: 0 };
const stats = (over: Partial<UdpDropStats> = {}): UdpDropStats => ({ enabled: true, port: 8080, drops: { ...zero }, sources: [], tracked: 0, capacity: 64, evicted: 0, forgetMs: 600_000, rate: quiet, ...over });
const quiet: UdpDropRate = { stepMs: 5_000, windowMs: 900_000, points: [] };
/** 12:00:00 local, then steps of 5 s: authentication failures at 4/s in the last two, junk at 0.2/s once. */
const T = new Date(2026, 0, 1, 12, 0, 0).getTime();
const busy: UdpDropRate = {
  stepMs: 5_000,
  windowMs: 900_000,
  points: [
    { ts: T, perSecond: {} },
    { ts: T + 5_000, perSecond: { header: 0.2 } },
    { ts: T + 10_000, perSecond: { authFailed: 4 } },
    { ts: T + 15_000, perSecond: { authFailed: 4 } },
  ],
};

describe('UDP drops card', () => {
  it('says plainly when nothing was dropped (and shows no table)', () => {
    render(<UdpDropsDetails stats={stats({ drops: { ...zero, migrations: 3 } })} now={NOW} />);
    expect(screen.getByTestId('udp-drops-none').textContent).toBe('No UDP datagrams dropped (port 8080, since the host started)');
    expect(screen.queryByTestId('udp-drops-sources')).toBeNull();
    expect(screen.queryByTestId('udp-drops-reasons')).toBeNull();
  });

  it('says when UDP is off', () => {
    render(<UdpDropsDetails stats={stats({ enabled: false, port: null })} now={NOW} />);
    expect(screen.getByTestId('udp-drops-off').textContent).toContain('UDP is off in this run');
    expect(screen.queryByTestId('udp-drops-none')).toBeNull();
  });

  it('lists only the reasons that dropped something, in plain words, and the top sources', () => {
    const s = stats({
      drops: { ...zero, authFailed: 1_200, header: 30, amplificationLimited: 2 },
      sources: [
        { address: '192.0.2.7', count: 1_190, lastReason: 'authFailed', lastTs: NOW - 4_000 },
        { address: '2001:db8::1', count: 30, lastReason: 'header', lastTs: NOW - 90_000 },
      ],
      tracked: 2,
      evicted: 5,
    });
    render(<UdpDropsDetails stats={s} now={NOW} />);
    expect(screen.getByTestId('udp-drops-total').textContent).toBe('1,230 datagrams dropped (port 8080, since the host started)');
    const reasons = Array.from(screen.getByTestId('udp-drops-reasons').querySelectorAll('dt')).map((dt) => `${dt.textContent} ${dt.nextElementSibling!.textContent}`);
    expect(reasons).toEqual([
      '30 not this protocol (junk, wrong version or size)',
      '1,200 failed authentication (wrong key or corrupted)',
      '2 replies held back to an unconfirmed address (anti-amplification)',
    ]);
    const rows = Array.from(screen.getByTestId('udp-drops-sources').querySelectorAll('tbody tr')).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent));
    expect(rows).toEqual([
      ['192.0.2.7', '1,190', 'failed authentication (wrong key or corrupted)', '4 s ago'],
      ['2001:db8::1', '30', 'not this protocol (junk, wrong version or size)', '1 min ago'],
    ]);
    expect(screen.getByText(/in the last 10 min; the host tracks at most 64 \(5 made room for others/)).toBeTruthy();
  });

  it('says plainly when nothing was refused in the last 15 minutes, drops since the start notwithstanding (and draws no chart)', () => {
    render(<UdpDropsDetails stats={stats({ drops: { ...zero, header: 30 }, rate: { ...quiet, points: [{ ts: T, perSecond: {} }] } })} now={NOW} />);
    expect(screen.getByTestId('udp-drops-rate-none').textContent).toBe('No datagrams refused in the last 15 minutes');
    expect(screen.queryByTestId('udp-drops-rate')).toBeNull();
    expect(screen.getByTestId('udp-drops-total').textContent).toContain('30 datagrams dropped');
  });

  it('draws the drops per second of the last 15 minutes, one line per reason seen, in short words', () => {
    const restore = measureChartText();
    render(<UdpDropsDetails stats={stats({ drops: { ...zero, header: 1, authFailed: 40 }, rate: busy })} now={NOW} />);
    expect(screen.queryByTestId('udp-drops-rate-none')).toBeNull();
    const chart = screen.getByTestId('udp-drops-rate');
    expect(chart.querySelector('figcaption')!.textContent).toBe('Dropped per second, last 15 minutes');
    expect(screen.getByText('By reason, each point the average of 5 s.')).toBeTruthy();
    // the reasons in the card's order, absent ones at 0 (a line, not a gap)
    expect(screen.getByTestId('udp-drops-rate-summary').textContent).toBe('From 12:00:00 to 12:00:15. not this protocol: now 0, lowest 0, highest 0.2; failed authentication: now 4, lowest 0, highest 4.');
    expect(Array.from(chart.querySelectorAll('.recharts-legend-item-text')).map((e) => e.textContent)).toEqual(['not this protocol', 'failed authentication']);
    expect(chart.querySelectorAll('.recharts-line').length).toBe(2);
    // the whole window on the time axis, so a burst of a minute ago looks like one
    expect(timeAxisLabels(chart)).toEqual(['11:50', '11:55', '12:00']);
    restore();
  });

  it('asks the host for udp.drops and says so when it cannot', async () => {
    const client = createFakeClient();
    const asked: unknown[] = [];
    client.handlers['udp.drops'] = (p) => (asked.push(p), stats({ drops: { ...zero, unknownSession: 1 }, rate: { ...quiet, points: [{ ts: T, perSecond: { unknownSession: 0.2 } }] } }));
    renderWith(<UdpDropsCard />, setup(client));
    expect((await screen.findByTestId('udp-drops-total')).textContent).toContain('1 datagram dropped');
    expect(screen.getByTestId('udp-drops-rate-summary').textContent).toContain('no such session: now 0.2');
    expect(screen.getByText('no such session (expired, from before a restart, or made up)')).toBeTruthy();
    expect(asked).toEqual([{ limit: 10 }]);
    cleanup();
    const failing = createFakeClient();
    failing.handlers['udp.drops'] = () => Promise.reject(new Error('host went away'));
    renderWith(<UdpDropsCard />, setup(failing));
    expect((await screen.findByText(/Could not read the UDP endpoint's counts/)).textContent).toContain('host went away');
  });

  it('is part of Settings, under the network settings', async () => {
    const client = createFakeClient();
    client.handlers['settings.get'] = () => defaultSettings;
    client.handlers['storage.stats'] = () => Promise.reject(new Error('not needed here'));
    client.handlers['udp.drops'] = () => stats();
    renderWith(<SettingsView />, setup(client));
    expect((await screen.findByTestId('udp-drops-none')).closest('[data-testid="settings-view"]')).toBeTruthy();
  });
});
