// @vitest-environment jsdom
import { act, fireEvent, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { HOST_CONNECTING_TEXT, HOST_DOWN_TEXT } from '../../components/hostGate';
import { renderWith, setup, TEST_HELLO, withLayout } from '../../test-utils';
import { queryDevices } from './device-query';
import { useApp } from '../../store/context';
import { DeviceDetail } from './DeviceDetail';
import { DevicesView } from './DevicesView';

withLayout();

const many = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    fakeDevice(`dev-${String(i).padStart(4, '0')}`, {
      online: i % 3 !== 0,
      flapCount: i % 50 === 0 ? 5 : 0,
      rateIn: i % 7,
      telemetry: i % 2 ? { rssi: -40 - (i % 40) } : {},
      lastDisconnectReason: i % 3 === 0 ? 'keepalive timeout' : null,
    }),
  );

describe('devices view', () => {
  it('draws only a window of 5,000 devices and keeps it while scrolling', () => {
    const { client } = renderWith(<DevicesView />);
    act(() => void client.emit({ devices: many(5000) }));
    expect(screen.getByTestId('devices-count').textContent).toBe('5000 of 5000 devices');
    const drawn = screen.getAllByRole('row').length;
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(80);
    const scroller = screen.getByTestId('devices-scroller');
    act(() => {
      scroller.scrollTop = 40 * 2500;
      fireEvent.scroll(scroller);
    });
    expect(screen.getByTestId('device-row-dev-2500')).toBeTruthy();
    expect(screen.queryByTestId('device-row-dev-0000')).toBeNull();
    expect(screen.getAllByRole('row').length).toBeLessThan(80);
    // a screen reader hears "row 2,502 of 5,001", not the place among the few drawn
    expect(screen.getByRole('table', { name: 'Devices' }).getAttribute('aria-rowcount')).toBe('5001');
    const row = screen.getByTestId('device-row-dev-2500');
    expect(row.getAttribute('aria-rowindex')).toBe(String(Number(row.dataset.index) + 2));
    expect(Number(row.dataset.index)).toBeGreaterThan(2000);
  });

  it('filters, searches and sorts; shows the flap badge and the disconnect reason', () => {
    const { client } = renderWith(<DevicesView />);
    act(() => void client.emit({ devices: many(120) }));
    fireEvent.change(screen.getByLabelText('Filter devices'), { target: { value: 'flapping' } });
    expect(screen.getByTestId('devices-count').textContent).toBe('3 of 120 devices');
    expect(screen.getByTestId('flap-dev-0050')).toBeTruthy();
    expect(screen.getByTestId('device-row-dev-0000').textContent).toContain('keepalive timeout');
    fireEvent.change(screen.getByLabelText('Filter devices'), { target: { value: 'all' } });
    fireEvent.change(screen.getByLabelText('Search devices'), { target: { value: 'dev-011' } });
    expect(screen.getByTestId('devices-count').textContent).toBe('10 of 120 devices');
  });

  it('a device that never connected (a token, no login yet) says so instead of how long it has been offline', () => {
    const { client } = renderWith(<DevicesView />);
    const since = Date.now() - 90_000;
    act(() => void client.emit({ devices: [fakeDevice('new-1', { online: false, lastSeen: null, since, protocol: null, address: null }), fakeDevice('old-1', { online: false, since })] }));
    expect(screen.getByTestId('device-since-new-1').textContent).toBe('never connected');
    expect(screen.getByTestId('device-since-new-1').title).toMatch(/not logged in yet/);
    expect(screen.getByTestId('device-since-old-1').textContent).toBe('1 min');
  });

  it('stops counting "For" and "Last seen" while the host is away (the panel knows nothing after the loss), and goes on once it is back', () => {
    vi.useFakeTimers({ now: new Date(2026, 0, 1, 10, 0, 0) });
    try {
      const { client } = renderWith(<DevicesView />);
      const t0 = Date.now();
      act(() => void client.emit({ devices: [fakeDevice('lamp-1', { since: t0 - 50_000, lastSeen: t0 - 5_000 })] }));
      const since = () => screen.getByTestId('device-since-lamp-1').textContent;
      const seen = () => screen.getByTestId('device-last-seen-lamp-1').textContent;
      expect([since(), seen()]).toEqual(['50 s', '5 s ago']);
      act(() => void vi.advanceTimersByTime(5_000));
      expect([since(), seen()]).toEqual(['55 s', '10 s ago']);
      act(() => client.setStatus('closed', 'socket closed'));
      // the reconnect attempts in between keep the moment of the loss
      act(() => void vi.advanceTimersByTime(30_000));
      act(() => client.setStatus('connecting'));
      act(() => void vi.advanceTimersByTime(120_000));
      expect([since(), seen()]).toEqual(['55 s', '10 s ago']);
      act(() => client.setStatus('open'));
      act(() => void vi.advanceTimersByTime(1_000));
      expect([since(), seen()]).toEqual(['3 min', '2 min ago']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('says when the search or filter leaves no device, and Show all devices clears both', () => {
    const { client } = renderWith(<DevicesView />);
    act(() => void client.emit({ devices: many(3) }));
    expect(screen.queryByTestId('devices-no-match')).toBeNull();
    fireEvent.change(screen.getByLabelText('Search devices'), { target: { value: 'zzz' } });
    expect(screen.getByTestId('devices-no-match').textContent).toContain('No device matches "zzz".');
    fireEvent.change(screen.getByLabelText('Filter devices'), { target: { value: 'offline' } });
    expect(screen.getByTestId('devices-no-match').textContent).toContain('No offline device matches "zzz".');
    fireEvent.click(screen.getByRole('button', { name: 'Show all devices' }));
    expect(screen.getByTestId('devices-count').textContent).toBe('3 of 3 devices');
    expect((screen.getByLabelText('Search devices') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Filter devices') as HTMLSelectElement).value).toBe('all');
    expect(screen.queryByTestId('devices-no-match')).toBeNull();
  });

  it('sort: by rate descending first, nulls last, ties by id', () => {
    const devices = Object.fromEntries(
      [fakeDevice('a', { rateIn: 1, telemetry: {} }), fakeDevice('b', { rateIn: 5, telemetry: { rssi: -50 } }), fakeDevice('c', { rateIn: 5, telemetry: { rssi: -70 } })].map((d) => [d.id, d]),
    );
    const ids = ['a', 'b', 'c'];
    expect(queryDevices(devices, ids, '', 'all', { key: 'rateIn', desc: true })).toEqual(['b', 'c', 'a']);
    expect(queryDevices(devices, ids, '', 'all', { key: 'rssi', desc: false })).toEqual(['c', 'b', 'a']);
    expect(queryDevices(devices, ids, '', 'all', { key: 'rssi', desc: true })).toEqual(['b', 'c', 'a']);
  });

  it("shows the user's label before the id, finds devices by it and sorts the Device column by what is shown", () => {
    const devices = Object.fromEntries(
      [fakeDevice('esp-1', { label: 'Zebra lamp' }), fakeDevice('esp-2', { name: 'boiler' }), fakeDevice('esp-3', { label: 'Attic fan' })].map((d) => [d.id, d]),
    );
    const ids = ['esp-1', 'esp-2', 'esp-3'];
    expect(queryDevices(devices, ids, 'attic', 'all', { key: 'id', desc: false })).toEqual(['esp-3']);
    expect(queryDevices(devices, ids, '', 'all', { key: 'id', desc: false })).toEqual(['esp-3', 'esp-2', 'esp-1']);
    const { client } = renderWith(<DevicesView />);
    act(() => void client.emit({ devices: Object.values(devices) }));
    expect(screen.getByTestId('device-row-esp-1').querySelector('.cell.name')!.textContent).toBe('Zebra lamp esp-1');
    expect(screen.getByTestId('device-row-esp-2').querySelector('.cell.name')!.textContent).toBe('esp-2 boiler');
  });

  it('clicking a column header sorts by it, again reverses', () => {
    const { client, store } = renderWith(<DevicesView />);
    act(() => void client.emit({ devices: many(5) }));
    fireEvent.click(screen.getByRole('button', { name: /Rate/ }));
    expect(store.getState().deviceSort).toEqual({ key: 'rateIn', desc: true });
    fireEvent.click(screen.getByRole('button', { name: /Rate/ }));
    expect(store.getState().deviceSort).toEqual({ key: 'rateIn', desc: false });
  });

  it('says it is connecting, then that it cannot reach the host, never "No devices yet", until the host answered', async () => {
    const { client } = renderWith(<DevicesView />, setup(createFakeClient(), { answered: false }));
    expect(screen.getByTestId('devices-connecting').textContent).toContain(HOST_CONNECTING_TEXT);
    expect(screen.queryByTestId('devices-empty')).toBeNull();
    act(() => client.setStatus('closed', 'the host refused the connection'));
    expect(screen.queryByTestId('devices-empty')).toBeNull();
    expect(screen.getByTestId('devices-unreachable').textContent).toContain('the host refused the connection');
    // the next attempt under way: still unknown, not empty
    act(() => client.setStatus('connecting'));
    expect(screen.queryByTestId('devices-empty')).toBeNull();
    expect(screen.getByTestId('devices-unreachable')).toBeTruthy();
    // connected and really empty: the getting-started steps
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 8180 });
    client.handlers['devices.list'] = () => [];
    await act(async () => client.setStatus('open'));
    expect(screen.getByTestId('devices-empty').textContent).toContain('--port 8180');
  });

  it('Enter on a focused row opens the device; Enter on the relay toggle in it only toggles', () => {
    const { client, store } = renderWith(<DevicesView />);
    client.handlers['controls.set'] = () => ({ req: 'r1' });
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    const toggle = screen.getByRole('switch', { name: 'Relay 1 of lamp-1' });
    // a real browser turns Enter on a button into a click, and the keydown bubbles to the row
    act(() => {
      fireEvent.keyDown(toggle, { key: 'Enter' });
      fireEvent.click(toggle);
    });
    expect(client.calls.some((c) => c.method === 'controls.set')).toBe(true);
    expect(store.getState().view).toBe('devices');
    fireEvent.keyDown(screen.getByTestId('device-row-lamp-1'), { key: 'Enter' });
    expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'lamp-1' });
  });

  it('200+ devices are one Tab stop: arrows, Page keys, Home/End move the active row (kept by id as devices arrive); Space and T switch its relay; Enter opens it', () => {
    const { client, store } = renderWith(<DevicesView />);
    client.handlers['controls.set'] = () => ({ req: 'r1' });
    act(() => void client.emit({ devices: many(240) }));
    const list = screen.getByTestId('devices-scroller');
    const stops = () => Array.from(list.querySelectorAll<HTMLElement>('[tabindex]')).filter((e) => e.tabIndex === 0).map((e) => e.dataset.testid);
    const row = (id: string) => screen.getByTestId(`device-row-${id}`);
    const press = (key: string) => fireEvent.keyDown(document.activeElement!, { key });
    // one Tab stop: the first row; no relay toggle of the list is one
    expect(stops()).toEqual(['device-row-dev-0000']);
    expect(screen.getAllByRole('switch').every((t) => t.tabIndex === -1)).toBe(true);
    expect(list.tabIndex).toBe(-1);
    act(() => row('dev-0000').focus());
    press('ArrowDown');
    expect(document.activeElement).toBe(row('dev-0001'));
    // a page is the rows in view less one: 800 / 40 -> 19
    press('PageDown');
    expect(document.activeElement).toBe(row('dev-0020'));
    press('PageUp');
    press('ArrowUp');
    expect(document.activeElement).toBe(row('dev-0000'));
    press('End');
    expect(document.activeElement).toBe(row('dev-0239'));
    expect(stops()).toEqual(['device-row-dev-0239']);
    press('Home');
    press('ArrowDown');
    press('ArrowDown');
    expect(document.activeElement).toBe(row('dev-0002'));
    // a new device sorting above it: the active row stays on dev-0002, focused, the only Tab stop
    act(() => void client.emit({ devices: [fakeDevice('dev-0000a')] }));
    expect(document.activeElement).toBe(row('dev-0002'));
    expect(stops()).toEqual(['device-row-dev-0002']);
    press('ArrowDown');
    expect(document.activeElement).toBe(row('dev-0003')); // dev-0003 is offline (i % 3 === 0): Space does nothing
    press(' ');
    expect(client.calls.filter((c) => c.method === 'controls.set')).toHaveLength(0);
    press('ArrowDown');
    press(' ');
    // (dev-0004's toggle is now pending, so disabled: T on the next row)
    press('ArrowDown');
    press('t');
    const sets = client.calls.filter((c) => c.method === 'controls.set').map((c) => (c.params as { device: string }).device);
    expect(sets).toEqual(['dev-0004', 'dev-0005']);
    press('ArrowUp');
    expect(store.getState().view).toBe('devices');
    press('Enter');
    expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'dev-0004' });
  });

  it('clicking a row still opens the device and clicking its relay toggle only switches it', () => {
    const { client, store } = renderWith(<DevicesView />);
    client.handlers['controls.set'] = () => ({ req: 'r1' });
    act(() => void client.emit({ devices: [fakeDevice('lamp-1'), fakeDevice('lamp-2')] }));
    fireEvent.click(screen.getByRole('switch', { name: 'Relay 1 of lamp-2' }));
    expect(client.calls.some((c) => c.method === 'controls.set')).toBe(true);
    expect(store.getState().view).toBe('devices');
    fireEvent.click(screen.getByTestId('device-row-lamp-2'));
    expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'lamp-2' });
  });

  it('disables the relay toggles of the list while the host connection is lost, saying why, and enables them when it is back', async () => {
    const { client } = renderWith(<DevicesView />);
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 8180 });
    client.handlers['devices.list'] = () => [fakeDevice('lamp-1')];
    await act(async () => client.setStatus('open'));
    const toggle = () => screen.getByRole('switch', { name: 'Relay 1 of lamp-1' }) as HTMLButtonElement;
    expect(toggle().disabled).toBe(false);
    act(() => client.setStatus('closed', 'socket closed'));
    expect(toggle().disabled).toBe(true);
    expect(toggle().title).toBe(HOST_DOWN_TEXT);
    // Space on the row does not switch it either
    act(() => screen.getByTestId('device-row-lamp-1').focus());
    fireEvent.keyDown(screen.getByTestId('device-row-lamp-1'), { key: ' ' });
    expect(client.calls.some((c) => c.method === 'controls.set')).toBe(false);
    await act(async () => client.setStatus('open'));
    expect(toggle().disabled).toBe(false);
    expect(toggle().title).toBe('');
  });

  it('holds the relay toggles of devices from an early batch until the host has answered, saying why', async () => {
    const { client } = renderWith(<DevicesView />, setup(createFakeClient(), { answered: false }));
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [fakeDevice('lamp-1')];
    // the event stream can bring a device before the hello call returns
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    const toggle = () => screen.getByRole('switch', { name: 'Relay 1 of lamp-1' }) as HTMLButtonElement;
    expect(toggle().disabled).toBe(true);
    expect(toggle().title).toBe(HOST_CONNECTING_TEXT);
    await act(async () => client.setStatus('open'));
    expect(toggle().disabled).toBe(false);
    expect(toggle().title).toBe('');
  });

  it("an offline device's row is described by its For cell with the full last reason", () => {
    const { client } = renderWith(<DevicesView />);
    const reason = 'closed_by_peer: read ECONNRESET after 3 keepalives';
    act(() => void client.emit({ devices: [fakeDevice('cellar', { online: false, lastDisconnectReason: reason }), fakeDevice('lamp-1')] }));
    const row = screen.getByTestId('device-row-cellar');
    const described = row.getAttribute('aria-describedby');
    expect(described).toBeTruthy();
    expect(document.getElementById(described!)!.textContent).toMatch(/\(last reason: closed by peer: read ECONNRESET after 3 keepalives\)$/);
    expect(screen.getByTestId('device-row-lamp-1').hasAttribute('aria-describedby')).toBe(false);
  });

  it('keyboard focus: Enter on a row lands on the device page heading, "← Devices" and Back return it to that row', () => {
    const client = createFakeClient();
    client.handlers['devices.get'] = ({ id }) => ({ ...fakeDevice(id), recentTraffic: [] });
    client.handlers['telemetry.series'] = () => [];
    client.handlers['saved.list'] = () => [];
    // the list and the device page as the app switches them
    function Pages() {
      return useApp((s) => s.view) === 'device' ? <DeviceDetail /> : <DevicesView />;
    }
    const { store } = renderWith(<Pages />, setup(client));
    act(() => void client.emit({ devices: many(240) }));
    const row = (id: string) => screen.getByTestId(`device-row-${id}`);
    act(() => row('dev-0000').focus());
    // a row far down the list, out of the first window
    fireEvent.keyDown(row('dev-0000'), { key: 'End' });
    fireEvent.keyDown(row('dev-0239'), { key: 'ArrowUp' });
    expect(document.activeElement).toBe(row('dev-0238'));
    fireEvent.keyDown(row('dev-0238'), { key: 'Enter' });
    expect(store.getState().view).toBe('device');
    const heading = screen.getByTestId('device-title');
    expect(heading.tabIndex).toBe(-1);
    expect(document.activeElement).toBe(heading);
    fireEvent.click(screen.getByRole('button', { name: '← Devices' }));
    expect(store.getState().view).toBe('devices');
    expect(document.activeElement).toBe(row('dev-0238'));
    // the browser's Back (a route change with focus on the page) does the same
    fireEvent.keyDown(row('dev-0238'), { key: 'ArrowUp' });
    fireEvent.keyDown(row('dev-0237'), { key: 'Enter' });
    expect(document.activeElement).toBe(screen.getByTestId('device-title'));
    act(() => store.getState().navigate('devices'));
    expect(document.activeElement).toBe(row('dev-0237'));
    // still one Tab stop, and the arrows go on from there
    expect(row('dev-0237').tabIndex).toBe(0);
    fireEvent.keyDown(row('dev-0237'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row('dev-0238'));
  });

  it('keyboard focus: coming back to the list by a view button leaves the focus on that button', () => {
    const client = createFakeClient();
    client.handlers['devices.get'] = ({ id }) => ({ ...fakeDevice(id), recentTraffic: [] });
    client.handlers['telemetry.series'] = () => [];
    client.handlers['saved.list'] = () => [];
    function Pages() {
      const navigate = useApp((s) => s.navigate);
      return (
        <>
          <button type="button" onClick={() => navigate('devices')}>Devices</button>
          {useApp((s) => s.view) === 'device' ? <DeviceDetail /> : <DevicesView />}
        </>
      );
    }
    const { store } = renderWith(<Pages />, setup(client));
    act(() => void client.emit({ devices: many(20) }));
    act(() => store.getState().navigate('device', 'dev-0005'));
    expect(document.activeElement).toBe(screen.getByTestId('device-title'));
    const nav = screen.getByRole('button', { name: 'Devices' });
    act(() => nav.focus());
    fireEvent.click(nav);
    expect(store.getState().view).toBe('devices');
    expect(document.activeElement).toBe(nav);
  });

  it('every cell that may be cut with "…" has its whole text as a title (name, For with the reason, address, firmware); a column gives way with its header', () => {
    const { client } = renderWith(<DevicesView />);
    act(() =>
      void client.emit({
        devices: [
          fakeDevice('lamp-1', { label: 'Living room lamp by the window', online: false, since: Date.now() - 3_000, lastDisconnectReason: 'closed_by_peer: end', address: '192.168.100.200', fw: 'sim-1.0.0', transport: 'tcp', board: 'esp32-devkitc' }),
          fakeDevice('porch-1', { fw: null, transport: null, board: null, address: null }),
        ],
      }),
    );
    const cells = (id: string) => Array.from(screen.getByTestId(`device-row-${id}`).querySelectorAll<HTMLElement>('[role="cell"]'));
    const [name, , since, address, firmware] = cells('lamp-1');
    expect(name!.title).toBe('Living room lamp by the window (lamp-1)');
    expect(since!.textContent).toMatch(/^\d+ s \(last reason: closed by peer: end\)$/);
    expect(since!.title).toBe('offline for; last reason: closed_by_peer: end');
    expect(address!.title).toBe('192.168.100.200');
    expect(firmware!.textContent).toBe('sim-1.0.0 · tcp');
    expect(firmware!.title).toBe('sim-1.0.0 · tcp on esp32-devkitc');
    // a column gives way as a whole (styles.css hides it by class): each header and its cells carry the same class
    const gives = (el: Element) => Array.from(el.classList).filter((c) => /^opt\d?$/.test(c)).join(' ');
    const heads = screen.getAllByRole('columnheader');
    expect(heads.map(gives)).toEqual(cells('lamp-1').map(gives));
    // Last seen is the first to go (below 1440 px), to give the name and For their room
    expect(gives(heads.find((h) => h.textContent === 'Last seen')!)).toBe('opt0');
    // nothing to show, no tooltip
    const [, , , noAddress, noFirmware] = cells('porch-1');
    expect(noAddress!.hasAttribute('title')).toBe(false);
    expect(noFirmware!.hasAttribute('title')).toBe(false);
  });
});
