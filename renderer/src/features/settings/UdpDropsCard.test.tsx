// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type UdpDropStats, type UdpEndpointDrops } from '../../../../shared/api/contract';
import { createFakeClient } from '../../api/fake-client';
import { renderWith, setup } from '../../test-utils';
import { SettingsView } from './SettingsView';
import { UdpDropsCard, UdpDropsDetails } from './UdpDropsCard';

afterEach(cleanup);

const NOW = 10_000_000;
const zero: UdpEndpointDrops = { header: 0, unknownSession: 0, helloRejected: 0, helloThrottled: 0, authFailed: 0, replayed: 0, malformed: 0, badEnvelope: 0, migrations: 0, amplificationLimited: 0, unfinishedAtClose: 0 };
const stats = (over: Partial<UdpDropStats> = {}): UdpDropStats => ({ enabled: true, port: 8080, drops: { ...zero }, sources: [], tracked: 0, capacity: 64, evicted: 0, forgetMs: 600_000, ...over });

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

  it('asks the host for udp.drops and says so when it cannot', async () => {
    const client = createFakeClient();
    const asked: unknown[] = [];
    client.handlers['udp.drops'] = (p) => (asked.push(p), stats({ drops: { ...zero, unknownSession: 1 } }));
    renderWith(<UdpDropsCard />, setup(client));
    expect((await screen.findByTestId('udp-drops-total')).textContent).toContain('1 datagram dropped');
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
