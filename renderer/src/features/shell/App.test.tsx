// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClient, fakeDevice, fakeRow } from '../../api/fake-client';
import { SHOW_TOKEN_COMMAND, tokenRefusedText } from '../../api/ws-client';
import { renderWith, setup, TEST_HELLO, withLayout } from '../../test-utils';
import { App } from './App';

withLayout();

describe('App shell with the foundation views', () => {
  it('shows the empty state, then the device from a batch, and acks the batch after rendering', async () => {
    const { client } = renderWith(<App />);
    expect(screen.getByTestId('devices-empty').textContent).toContain('Tokens');
    let batch!: { seq: number };
    act(() => {
      batch = client.emit({ devices: [fakeDevice('lamp-1', { address: '127.0.0.1:5555' })] });
    });
    expect(await screen.findByTestId('device-row-lamp-1')).toBeTruthy();
    expect(screen.getByTestId('device-row-lamp-1').textContent).toContain('127.0.0.1:5555');
    await waitFor(() => expect(client.acks).toContain(batch.seq));
  });

  it('names the window after the view (and the device on its page), so a view change is told and tabs differ', () => {
    const { client, store } = renderWith(<App />);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    expect(document.title).toBe('Devices · HyperTCP Panel');
    act(() => store.getState().navigate('traffic'));
    expect(document.title).toBe('Traffic · HyperTCP Panel');
    act(() => store.getState().navigate('device', 'lamp-1'));
    expect(document.title).toBe('lamp-1 · Devices · HyperTCP Panel');
  });

  it('toggles a relay: pending, then confirmed from the state report', async () => {
    const client = createFakeClient();
    client.handlers['controls.set'] = () => ({ req: 'r7' });
    renderWith(<App />, setup(client));
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    const toggle = await screen.findByTestId('control-lamp-1-relay1');
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    await act(async () => {
      fireEvent.click(toggle);
    });
    expect(toggle.getAttribute('data-status')).toBe('pending');
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(client.calls.find((c) => c.method === 'controls.set')?.params).toEqual({ device: 'lamp-1', control: 'relay1', value: true });
    act(() => {
      client.emit({
        devices: [fakeDevice('lamp-1', { controlState: { relay1: true } })],
        controlResults: [{ device: 'lamp-1', control: 'relay1', req: 'r7', outcome: 'confirmed', value: true }],
      });
    });
    expect(toggle.getAttribute('data-status')).toBe('confirmed');
    expect(toggle.getAttribute('aria-checked')).toBe('true');
  });

  it('lists live traffic rows with direction, from, to, command and payload', async () => {
    const { client } = renderWith(<App />);
    act(() => {
      client.emit({ traffic: [fakeRow({ dir: 'out', from: 'server', to: 'lamp-1', payload: '{"from":"server","payload":{"cmd":"set"}}' })] });
    });
    fireEvent.click(screen.getByTestId('nav-traffic'));
    const row = await screen.findByTestId('traffic-row');
    expect(row.textContent).toContain('out');
    expect(row.textContent).toContain('server');
    expect(row.textContent).toContain('lamp-1');
    expect(row.textContent).toContain('JSON');
    expect(row.querySelector('[title="JSON_MESSAGE (30)"]')).toBeTruthy();
    expect(row.textContent).toContain('cmd=set'); // the message inside the envelope, as a summary
  });

  it('shows a connecting state, not an empty lab, in every view until the host has answered', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    renderWith(<App />, setup(client, { answered: false }));
    expect(screen.getByTestId('host-status').textContent).toContain('connecting…');
    expect(screen.getByTestId('devices-connecting')).toBeTruthy();
    expect(screen.queryByText('No devices yet')).toBeNull();
    fireEvent.click(screen.getByTestId('nav-traffic'));
    expect(screen.getByTestId('traffic-connecting')).toBeTruthy();
    expect(screen.queryByTestId('traffic-empty')).toBeNull();
    fireEvent.click(screen.getByTestId('nav-metrics'));
    expect(await screen.findByTestId('metrics-connecting')).toBeTruthy();
    expect(screen.queryByTestId('metrics-empty')).toBeNull();
    expect(screen.queryByText('Nobody is talking yet.')).toBeNull();
    await act(async () => client.setStatus('open'));
    expect(screen.queryByTestId('metrics-connecting')).toBeNull();
    fireEvent.click(screen.getByTestId('nav-devices'));
    expect(screen.getByTestId('devices-empty')).toBeTruthy();
  });

  it('says "connecting…" while the socket is open but the host has not answered yet, "connected" once it has', async () => {
    const client = createFakeClient();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    client.handlers.hello = async () => {
      await answered;
      return { ...TEST_HELLO };
    };
    client.handlers['devices.list'] = () => [];
    renderWith(<App />, setup(client, { answered: false }));
    await act(async () => client.setStatus('open'));
    const status = screen.getByTestId('host-status');
    expect(status.getAttribute('data-status')).toBe('open');
    expect(status.textContent).toContain('Host connecting…');
    fireEvent.click(screen.getByTestId('nav-commands'));
    expect(screen.getByLabelText('Target device').textContent).toBe('Connecting to the host…');
    await act(async () => answer());
    expect(status.textContent).toContain('Host connected');
    expect(screen.getByLabelText('Target device').textContent).toBe('no devices yet');
  });

  it('says which data path the host routes devices on, and why when it is not the native one', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, dataPathNote: 'the native data path is Linux-only (this is darwin)' });
    client.handlers['devices.list'] = () => [];
    renderWith(<App />, setup(client, { answered: false }));
    await act(async () => client.setStatus('open'));
    const path = await screen.findByTestId('data-path');
    expect(path.textContent).toBe('standard data path');
    expect(path.getAttribute('title')).toBe('the native data path is Linux-only (this is darwin)');
  });

  it('shows the host connection state', () => {
    const { client } = renderWith(<App />);
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect(screen.getByTestId('host-status').getAttribute('data-status')).toBe('closed');
    expect(screen.getByTestId('host-status').textContent).toContain('connection lost');
  });

  it('says the view is the last known state while the host is away, and stops saying so when it is back', async () => {
    const { client } = renderWith(<App />);
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [fakeDevice('lamp-1')];
    await act(async () => client.setStatus('open'));
    expect(screen.queryByTestId('stale-banner')).toBeNull();
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect(screen.getByRole('alert').textContent).toMatch(/last known state and is not updating/);
    // the device list is still there, under the banner
    expect(screen.getByTestId('device-online-lamp-1').textContent).toBe('online');
    await act(async () => client.setStatus('open'));
    expect(screen.queryByTestId('stale-banner')).toBeNull();
  });

  it('does not say "Reconnecting…" once the host refused the page\'s token (the client stopped): it says how to get the link', async () => {
    const { client } = renderWith(<App />);
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    await act(async () => client.setStatus('open'));
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect(screen.getByTestId('stale-banner').textContent).toContain('Reconnecting…');
    act(() => client.setStatus('closed', tokenRefusedText('127.0.0.1:8080')));
    const banner = screen.getByTestId('stale-banner').textContent;
    expect(banner).not.toContain('Reconnecting');
    expect(banner).toContain(SHOW_TOKEN_COMMAND);
  });

  it('offers "Retry now" while the host is away, which asks the client to reconnect at once', async () => {
    const client = createFakeClient();
    const reconnect = vi.fn();
    client.reconnect = reconnect;
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    renderWith(<App />, setup(client));
    await act(async () => client.setStatus('open'));
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    fireEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(reconnect).toHaveBeenCalledTimes(1);
    await act(async () => client.setStatus('open'));
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
  });

  it('has no "Retry now" for a client that cannot reconnect (the desktop bridge)', () => {
    const { client } = renderWith(<App />);
    act(() => client.setStatus('closed', 'gone'));
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
  });

  it('marks the current view in the navigation', () => {
    const { store } = renderWith(<App />);
    expect(screen.getByTestId('nav-devices').getAttribute('aria-current')).toBe('page');
    act(() => store.getState().navigate('device', 'lamp-1'));
    expect(screen.getByTestId('nav-devices').getAttribute('aria-current')).toBe('page');
    act(() => store.getState().navigate('metrics'));
    expect(screen.getByTestId('nav-metrics').getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('nav-devices').getAttribute('aria-current')).toBeNull();
  });

  it('starts the Tab order with "Skip to content", which moves the focus to the main region, not the URL hash', () => {
    renderWith(<App />);
    const tabbable = document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea, [tabindex="0"]');
    const skip = screen.getByRole('link', { name: 'Skip to content' });
    expect(tabbable[0]).toBe(skip);
    const hash = window.location.hash;
    fireEvent.click(skip);
    expect(document.activeElement).toBe(screen.getByRole('main'));
    expect(window.location.hash).toBe(hash);
  });

  it('"/" focuses the search box once: a view opened later does not take the focus for it', async () => {
    const { client, store } = renderWith(<App />);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    await screen.findByTestId('device-row-lamp-1');
    const press = (key: string) => act(() => void fireEvent.keyDown(document.activeElement ?? document.body, { key }));
    press('/');
    expect(document.activeElement).toBe(screen.getByLabelText('Search devices'));
    act(() => (document.activeElement as HTMLElement).blur());
    press('2');
    expect(store.getState().view).toBe('traffic');
    expect(document.activeElement).not.toBe(screen.getByLabelText('Traffic filter'));
    // so the next shortcut still works instead of being typed into the filter
    press('p');
    expect(store.getState().paused).toBe(true);
    press('/');
    expect(document.activeElement).toBe(screen.getByLabelText('Traffic filter'));
  });

  it('the palette\'s Search goes to Devices from a view without a search box and focuses it', async () => {
    const { client, store } = renderWith(<App />);
    act(() => void client.emit({ devices: [fakeDevice('lamp-1')] }));
    await screen.findByTestId('device-row-lamp-1');
    act(() => store.getState().navigate('metrics'));
    act(() => store.getState().requestSearchFocus());
    expect(store.getState().view).toBe('devices');
    expect(document.activeElement).toBe(screen.getByLabelText('Search devices'));
  });
});
