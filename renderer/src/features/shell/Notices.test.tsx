// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../api/errors';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { appendNotices, MAX_NOTICES } from '../../store/connection-slice';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { CommandsView } from '../commands/CommandsView';
import { HostStatus, Notices, VISIBLE_NOTICES, WARN_NOTICE_MS } from './StatusBar';

afterEach(cleanup);

describe('notices are announced', () => {
  it('keeps the polite live region mounted and empty with no notices, so the first one is read out', () => {
    const { store } = renderWith(<Notices />);
    const region = screen.getByTestId('notices');
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.textContent).toBe('');
    act(() => store.getState().notify('info', 'lamp is now called "Door"'));
    expect(screen.getByTestId('notices')).toBe(region);
    expect(region.textContent).toContain('lamp is now called "Door"');
  });
});

describe('notices after a host outage', () => {
  it('merges identical notices into one with a count instead of stacking them', () => {
    const { store } = renderWith(<Notices />);
    act(() => {
      for (let i = 0; i < 3; i++) store.getState().notify('error', 'Could not load saved commands: not connected to the host', { key: 'commands.load' });
    });
    expect(screen.getAllByTestId('notice-error')).toHaveLength(1);
    expect(screen.getByTestId('notice-count').textContent).toBe(' ×3');
    expect(screen.getByTestId('notice-count').getAttribute('aria-label')).toBe('3 times');
    expect(store.getState().notices[0]?.count).toBe(3);
  });

  it('clears a failed load by itself when the data loads after the reconnect; an action failure stays', async () => {
    const client = createFakeClient();
    // a lost connection is said in place of the lists, not as a notice: another failure is one
    client.handlers['saved.list'] = () => {
      throw new ApiCallError('internal', 'database is locked');
    };
    client.handlers['history.list'] = () => [];
    const ctx = setup(client);
    renderWith(
      <>
        <CommandsView />
        <Notices />
      </>,
      ctx,
    );
    await waitFor(() => expect(screen.getAllByTestId('notice-error')).toHaveLength(1));
    act(() => ctx.store.getState().notify('error', 'Send failed: not connected to the host'));
    // the host is back: the saved commands load, their failure notice goes, the send failure stays
    client.handlers['saved.list'] = () => [];
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    await act(async () => client.setStatus('open'));
    await waitFor(() => expect(screen.getAllByTestId('notice-error').map((n) => n.textContent)).toEqual(['Send failed: not connected to the host✕']));
  });

  it('stays bounded, dropping self-clearing notices before the failures of actions', () => {
    let list = appendNotices([], [{ level: 'error', text: 'Send failed: a', ts: 1 }]);
    for (let i = 0; i < 20; i++) list = appendNotices(list, [{ level: 'warn', text: `Could not load ${i}`, ts: 2, key: `load.${i}` }]);
    expect(list).toHaveLength(MAX_NOTICES);
    expect(list[0]?.text).toBe('Send failed: a');
    expect(list.at(-1)?.text).toBe('Could not load 19');
    // an equal one counts up and moves to the end instead of taking a place
    list = appendNotices(list, [{ level: 'error', text: 'Send failed: a', ts: 3 }]);
    expect(list).toHaveLength(MAX_NOTICES);
    expect(list.at(-1)).toMatchObject({ text: 'Send failed: a', count: 2, ts: 3 });
  });

  it('keeps an offline alert while failed logins from many addresses pile up', () => {
    let list = appendNotices([], [{ level: 'warn', text: 'lamp is offline: keepalive timeout — for 30 s', device: 'lamp', alert: 'offline', ts: 1 }]);
    for (let i = 0; i < 20; i++) list = appendNotices(list, [{ level: 'warn', text: `login failed from 10.0.0.${i}: invalid_token`, ts: 2 }]);
    expect(list).toHaveLength(MAX_NOTICES);
    expect(list[0]?.alert).toBe('offline');
    expect(list.at(-1)?.text).toBe('login failed from 10.0.0.19: invalid_token');
  });

  it('an info notice goes after 6 s even while other notices keep coming', () => {
    vi.useFakeTimers();
    try {
      const { store } = renderWith(<Notices />);
      act(() => store.getState().notify('info', 'lamp-1 is now called "Lamp"'));
      act(() => void vi.advanceTimersByTime(4000));
      act(() => store.getState().notify('warn', 'Host: traffic writer gone'));
      act(() => void vi.advanceTimersByTime(2100));
      expect(screen.queryByTestId('notice-info')).toBeNull();
      expect(screen.getByTestId('notice-warn')).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('notices over the view', () => {
  it('stay a small stack: only the newest info, at most 3, the rest behind "N more"', () => {
    const { store } = renderWith(<Notices />);
    act(() => {
      store.getState().notify('info', 'Saved "relay on"');
      store.getState().notify('info', 'Sent to lamp-1 (msg 24)');
      store.getState().notify('info', 'Broadcast delivered to 5 device(s)');
    });
    // a newer outcome replaces the older ones instead of stacking over the History's Result column
    expect(screen.getAllByTestId('notice-info').map((n) => n.textContent)).toEqual(['Broadcast delivered to 5 device(s)✕']);
    act(() => {
      for (const d of ['a', 'b', 'c']) store.getState().notify('error', `Send to ${d} failed: no such device`);
    });
    expect(VISIBLE_NOTICES).toBe(3);
    expect(screen.getAllByTestId(/^notice-(info|error)$/).map((n) => n.textContent)).toEqual(['Send to a failed: no such device✕', 'Send to b failed: no such device✕', 'Send to c failed: no such device✕']);
    fireEvent.click(screen.getByRole('button', { name: '1 more' }));
    expect(screen.getAllByTestId(/^notice-(info|error)$/)).toHaveLength(4);
    fireEvent.click(screen.getByRole('button', { name: 'Show fewer' }));
    expect(screen.getAllByTestId(/^notice-(info|error)$/)).toHaveLength(3);
  });

  it('a plain warning goes by itself after 20 s; an offline alert and an error stay until dismissed', () => {
    vi.useFakeTimers();
    try {
      const { client, store } = renderWith(<Notices />);
      act(() => void client.emit({ notices: [{ level: 'warn', text: 'login failed from 10.0.0.7: invalid_token' }, { level: 'warn', text: 'lamp is offline: closed by peer — for 30 s', device: 'lamp', alert: 'offline' }] }));
      act(() => store.getState().notify('error', 'Send failed: not connected to the host'));
      act(() => void vi.advanceTimersByTime(WARN_NOTICE_MS - 100));
      expect(screen.getAllByTestId('notice-warn')).toHaveLength(2);
      act(() => void vi.advanceTimersByTime(200));
      expect(screen.getAllByTestId('notice-warn').map((n) => n.textContent)).toEqual([expect.stringContaining('lamp is offline')]);
      expect(screen.getByTestId('notice-error')).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the hub's offline alerts", () => {
  it('show as a warning that stays, with the device page one click away', () => {
    const { client, store } = renderWith(<Notices />);
    const text = 'greenhouse-1 (Greenhouse) is offline: keepalive timeout — for 30 s';
    act(() => void client.emit({ notices: [{ level: 'warn', text, device: 'greenhouse-1', alert: 'offline' }] }));
    expect(screen.getByTestId('notice-warn').textContent).toContain(text);
    fireEvent.click(screen.getByTestId('notice-open-device'));
    expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'greenhouse-1' });
  });

  it("turn into a short 'back online' note when their device is back; the others stay", () => {
    vi.useFakeTimers();
    try {
      const { client, store } = renderWith(<Notices />);
      const offline = (id: string) => ({ level: 'warn' as const, text: `${id} is offline: closed by peer — for 30 s`, device: id, alert: 'offline' as const });
      const summary = { level: 'warn' as const, text: '2 more devices offline (see Devices, filter Offline)', alert: 'offline' as const };
      act(() => void client.emit({ notices: [offline('greenhouse-1'), offline('pump-2'), summary] }));
      expect(screen.getAllByTestId('notice-warn')).toHaveLength(3);
      // still offline in this batch (a new summary of it), then back with the name users gave it
      const before = store.getState().notices;
      act(() => void client.emit({ devices: [fakeDevice('greenhouse-1', { online: false }), fakeDevice('other', { online: true })] }));
      expect(store.getState().notices).toBe(before); // nothing resolved: the same list, nothing redrawn
      expect(screen.getAllByTestId('notice-warn')).toHaveLength(3);
      act(() => void client.emit({ devices: [fakeDevice('greenhouse-1', { online: true, label: 'Greenhouse' })] }));
      expect(screen.getByTestId('notice-info').textContent).toContain('greenhouse-1 (Greenhouse) is back online');
      expect(screen.getAllByTestId('notice-warn').map((n) => n.textContent)).toEqual([expect.stringContaining('pump-2 is offline'), expect.stringContaining('2 more devices offline')]);
      expect(screen.getAllByTestId('notice-open-device')).toHaveLength(2); // the note still opens its device
      act(() => void vi.advanceTimersByTime(6100));
      expect(screen.queryByTestId('notice-info')).toBeNull();
      expect(screen.getAllByTestId('notice-warn')).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a pile of them goes with one Dismiss all (shown from two notices on)', () => {
    const { client, store } = renderWith(<Notices />);
    act(() => void client.emit({ notices: [{ level: 'warn', text: 'a is offline: closed by peer — for 30 s', device: 'a', alert: 'offline' }] }));
    expect(screen.queryByTestId('notices-dismiss-all')).toBeNull();
    act(() => void client.emit({ notices: [{ level: 'warn', text: 'b is offline: closed by peer — for 30 s', device: 'b', alert: 'offline' }] }));
    act(() => store.getState().notify('error', 'Send failed: not connected to the host'));
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss all' }));
    expect(store.getState().notices).toEqual([]);
    expect(screen.getByRole('status').textContent).toBe(''); // the live region stays, empty
  });

  it('a burst summed up links to the offline devices', () => {
    const { client, store } = renderWith(<Notices />);
    act(() => void client.emit({ notices: [{ level: 'warn', text: '7 more devices offline (see Devices, filter Offline)', alert: 'offline' }] }));
    expect(screen.queryByTestId('notice-open-device')).toBeNull();
    fireEvent.click(screen.getByTestId('notice-show-offline'));
    expect(store.getState()).toMatchObject({ view: 'devices', deviceFilter: 'offline' });
  });
});

describe('the host status line', () => {
  it("adds '(retrying)' only to a reason that does not say itself whether it retries", () => {
    const { client } = renderWith(<HostStatus />);
    act(() => client.setStatus('closed', 'cannot reach the host at 127.0.0.1:8090, retrying in 2 s'));
    expect(screen.getByTestId('host-status').textContent).toContain('· cannot reach the host at 127.0.0.1:8090, retrying in 2 s');
    expect(screen.getByTestId('host-status').textContent).not.toContain('(retrying)');
    act(() => client.setStatus('closed', "the host at h refused this page's admin token (#token= in the URL): open the link `npm run serve -- --show-token` prints. Not retrying."));
    expect(screen.getByTestId('host-status').textContent).toMatch(/Not retrying\.$/);
    act(() => client.setStatus('closed', 'the desktop core stopped'));
    expect(screen.getByTestId('host-status').textContent).toContain('the desktop core stopped (retrying)');
  });
});
