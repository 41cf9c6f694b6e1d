// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { ControlResponseStats, TrafficRow } from '../../../../shared/api/contract';
import { createFakeClient, fakeDevice, fakeRow } from '../../api/fake-client';
import { renderWith, setup, withLayout } from '../../test-utils';
import { DeviceDetail } from './DeviceDetail';

// the real list, recording the onSelect it is given: its rows are memo, so a new function each render draws them all again
const listOnSelects = vi.hoisted(() => new Set<unknown>());
vi.mock('../traffic/TrafficList', async (importOriginal) => {
  const real = await importOriginal<typeof import('../traffic/TrafficList')>();
  return {
    ...real,
    TrafficList: (props: Parameters<typeof real.TrafficList>[0]) => {
      listOnSelects.add(props.onSelect);
      return createElement(real.TrafficList, props);
    },
  };
});

withLayout();

const stats = (over: Partial<ControlResponseStats>): ControlResponseStats => ({
  count: 0, failed: 0, timeouts: 0, refused: 0, samples: 0, p50Ms: null, p95Ms: null, maxMs: null, lastMs: null, ...over,
});

/** lamp-1's page open, its device's recent traffic from `recentTraffic`. */
function openLamp(recentTraffic: (id: string) => TrafficRow[] = () => []) {
  const client = createFakeClient();
  client.handlers['devices.get'] = ({ id }) => ({ ...fakeDevice(id), recentTraffic: recentTraffic(id) });
  client.handlers['telemetry.series'] = () => [];
  client.handlers['saved.list'] = () => [];
  const ctx = setup(client);
  act(() => ctx.store.getState().navigate('device', 'lamp-1'));
  const r = renderWith(<DeviceDetail />, ctx);
  return r;
}

describe('device page: control response times', () => {
  it('shows "-" until a control was sent, then p50, p95 and the failures, with a tooltip saying what is measured', () => {
    const { client } = openLamp();
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    const cell = screen.getByTestId('detail-control-response');
    expect(cell.textContent).toBe('-');
    expect(cell.parentElement!.textContent).toContain('Control response');

    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controlResponse: stats({ count: 19, failed: 1, timeouts: 1, samples: 19, p50Ms: 42, p95Ms: 120.4, maxMs: 130, lastMs: 40 }) })] }));
    expect(screen.getByTestId('detail-control-response').textContent).toBe('p50 42 ms · p95 120 ms · 1 of 20 failed');
    const title = screen.getByTestId('detail-control-response').parentElement!.getAttribute('title')!;
    expect(title).toMatch(/from the panel sending a control command to the device's state report confirming it/);
    expect(title).toContain('last 19 confirmed; max 130 ms, last 40 ms');
    expect(title).toContain('1 timed out, 0 refused');

    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controlResponse: stats({ count: 3, samples: 3, p50Ms: 8, p95Ms: 9 }) })] }));
    expect(screen.getByTestId('detail-control-response').textContent).toBe('p50 8 ms · p95 9 ms · 3 confirmed');

    // only failures: no times to show
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controlResponse: stats({ failed: 2, refused: 2 }) })] }));
    expect(screen.getByTestId('detail-control-response').textContent).toBe('2 of 2 failed');
  });
});

describe('device page: a device with no controls', () => {
  it('says why per protocol: v2 declares none, legacy firmware cannot, a device that never logged in has not said', () => {
    const { client } = openLamp();
    const text = () => screen.getByTestId('no-controls').textContent;
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controls: [], protocol: 'v2' })] }));
    expect(text()).toBe('This device declares no controls. Send it a command below.');
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controls: [], protocol: 'legacy' })] }));
    expect(text()).toBe('It runs legacy firmware, which cannot declare controls. Send it a command below.');
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { controls: [], protocol: null, online: false, lastSeen: null })] }));
    expect(text()).toMatch(/^It has not logged in yet/);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    expect(screen.queryByTestId('no-controls')).toBeNull();
  });
});

describe('device page: counters', () => {
  it('groups the digits of large counters as the viewer\'s locale does', () => {
    const { client } = openLamp();
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { counters: { msgsIn: 1_234_567, msgsOut: 89_012, bytesIn: 0, bytesOut: 0, errors: 3_456, drops: 7 } })] }));
    const tiles = Array.from(screen.getByTestId('device-counters').querySelectorAll('b')).map((b) => b.textContent);
    expect(tiles[0]).toMatch(/^1\D234\D567$/);
    expect(tiles[1]).toMatch(/^89\D012$/);
    expect(tiles[4]).toMatch(/^3\D456$/);
    expect(tiles[5]).toBe('7');
  });
});

describe('device page: presence', () => {
  it('says "never connected" for a device that has not logged in yet, not "offline for 1 s"', () => {
    const { client } = openLamp();
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { online: false, lastSeen: null, protocol: null, since: Date.now() - 1000 })] }));
    expect(screen.getByTestId('detail-online').textContent).toBe('never connected');
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { online: false, since: Date.now() - 90_000 })] }));
    expect(screen.getByTestId('detail-online').textContent).toBe('offline for 1 min');
  });

  it('stops counting "online for" while the host is away, and goes on once it is back', () => {
    vi.useFakeTimers({ now: new Date(2026, 0, 1, 10, 0, 0) });
    try {
      const { client } = openLamp();
      act(() => void client.emit({ devices: [fakeDevice('lamp-1', { since: Date.now() - 40_000 })] }));
      expect(screen.getByTestId('detail-online').textContent).toBe('online for 40 s');
      act(() => client.setStatus('closed', 'socket closed'));
      act(() => void vi.advanceTimersByTime(90_000));
      expect(screen.getByTestId('detail-online').textContent).toBe('online for 40 s');
      act(() => client.setStatus('open'));
      act(() => void vi.advanceTimersByTime(1_000));
      expect(screen.getByTestId('detail-online').textContent).toBe('online for 2 min');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("device page: the device's traffic list", () => {
  // its size is styles.css' (.device-traffic: whole rows, not shrinking with the page), which jsdom does not lay out
  it('shows the frames of this device in it, their inner payload as in the log', () => {
    const { client } = openLamp((id) => [fakeRow({ seq: 1, device: id }), fakeRow({ seq: 2, device: id })]);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    return vi.waitFor(() => {
      const rows = within(screen.getByTestId('device-traffic')).getAllByTestId('traffic-row');
      expect(rows.map((r) => r.querySelector('.payload')!.textContent)).toEqual(['state relay1=true', 'state relay1=true']);
    });
  });
});

describe('device page: moving to another device', () => {
  it("does not show the token rotated on one device's page on the next device's page", async () => {
    const { client, store } = openLamp();
    client.handlers['tokens.rotate'] = ({ id }) => ({ id, token: 'lamp-new-token' });
    act(() => void client.emit({ devices: [fakeDevice('lamp-1'), fakeDevice('garage')] }));
    fireEvent.click(screen.getByRole('button', { name: 'Rotate token' }));
    await act(async () => fireEvent.click(screen.getByTestId('token-rotate-confirm')));
    expect(screen.getByTestId('token-value').textContent).toBe('lamp-new-token');

    // as a notice's "Open device" or Ctrl+K does: the page stays, the device changes
    act(() => store.getState().navigate('device', 'garage'));
    expect(screen.getByTestId('device-title').textContent).toContain('garage');
    expect(screen.queryByTestId('token-reveal')).toBeNull();
    expect(screen.queryByText('lamp-new-token')).toBeNull();
    expect(screen.getByRole('button', { name: 'Rotate token' })).toBeTruthy();

    // and back: the token was shown once, on its own device's page
    act(() => store.getState().navigate('device', 'lamp-1'));
    expect(screen.queryByTestId('token-reveal')).toBeNull();
  });
});

describe("device page: the traffic list's rows", () => {
  it('are given the same onSelect at every render, so the memo rows are not all drawn again each second', async () => {
    const { client } = openLamp(() => [fakeRow({ seq: 1, device: 'lamp-1' }), fakeRow({ seq: 2, device: 'lamp-1' })]);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    await vi.waitFor(() => expect(within(screen.getByTestId('device-traffic')).getAllByTestId('traffic-row')).toHaveLength(2));
    listOnSelects.clear();
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { rttMs: 3 })] }));
    act(() => void client.emit({ devices: [fakeDevice('lamp-1', { rttMs: 4 })] }));
    fireEvent.click(within(screen.getByTestId('device-traffic')).getAllByTestId('traffic-row')[1]!);
    expect(listOnSelects.size).toBe(1);
  });
});
