// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenInfo } from '../../../../shared/api/contract';
import { ApiCallError } from '../../api/errors';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { renderWith, setup, TEST_HELLO, withLayout } from '../../test-utils';
import { SettingsView } from './SettingsView';
import { TokensView } from './TokensView';

afterEach(cleanup);
// a laid-out view (800 px high): the token rows are virtualized
withLayout();

describe('tokens view', () => {
  it('creates a device: the token is shown once with the sketch lines, then hidden', async () => {
    const client = createFakeClient();
    const tokens: TokenInfo[] = [];
    client.handlers['tokens.list'] = () => tokens;
    client.handlers['tokens.create'] = ({ id }) => {
      tokens.push({ id, createdAt: Date.now(), revokedAt: null, lastUsedAt: null });
      return { id, token: 'secret-token-123' };
    };
    const ctx = setup(client);
    ctx.store.setState({ hello: { ...TEST_HELLO, tcpPort: 9123 } });
    renderWith(<TokensView />, ctx);
    expect(await screen.findByTestId('tokens-empty')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('New device id'), { target: { value: 'bad id!' } });
    expect((screen.getByRole('button', { name: 'Create device' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('New device id'), { target: { value: 'garage' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create device' })));
    expect(screen.getByTestId('token-value').textContent).toBe('secret-token-123');
    expect(screen.getByTestId('token-snippet').textContent).toContain('const char* DEVICE_TOKEN = "secret-token-123";');
    expect(screen.getByTestId('token-snippet').textContent).toContain('const uint16_t BROKER_PORT = 9123;');
    expect((await screen.findByTestId('token-row-garage')).textContent).toContain('active');
    const saved = screen.getByRole('button', { name: 'I saved it' });
    act(() => saved.focus());
    fireEvent.click(saved);
    expect(screen.queryByTestId('token-value')).toBeNull();
    // the button went with the token: the focus is on the field for the next device, not on the page body
    expect(document.activeElement).toBe(screen.getByLabelText('New device id'));
  });
});

describe('tokens view before the host has answered', () => {
  it('says it is connecting instead of "No device tokens", and holds Create until the host answers', async () => {
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => [];
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    const ctx = setup(client, { answered: false });
    renderWith(<TokensView />, ctx);
    expect(screen.getByTestId('tokens-connecting').textContent).toContain('Connecting to the host…');
    expect(screen.queryByTestId('tokens-empty')).toBeNull();
    fireEvent.change(screen.getByLabelText('New device id'), { target: { value: 'garage' } });
    const create = screen.getByRole('button', { name: 'Create device' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    expect(create.title).toBe('Connecting to the host…');
    await act(async () => client.setStatus('open'));
    expect(await screen.findByTestId('tokens-empty')).toBeTruthy();
    expect(create.disabled).toBe(false);
  });
});

describe('tokens view while the host is down', () => {
  it('disables Create, Rotate and Revoke, says why, reloads the list on reconnect and clears its load error', async () => {
    const client = createFakeClient();
    let up = false;
    client.handlers['tokens.list'] = () => {
      if (!up) throw new ApiCallError('disconnected', 'not connected to the host');
      return [{ id: 'lamp', createdAt: Date.now(), revokedAt: null, lastUsedAt: null }];
    };
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    const ctx = setup(client);
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    renderWith(<TokensView />, ctx);
    await waitFor(() => expect(ctx.store.getState().notices.map((n) => n.text)).toEqual(['Could not load tokens: not connected to the host']));
    fireEvent.change(screen.getByLabelText('New device id'), { target: { value: 'garage' } });
    const create = screen.getByRole('button', { name: 'Create device' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    expect(create.title).toBe('Not connected to the host');
    expect(document.getElementById(create.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    up = true;
    await act(async () => client.setStatus('open'));
    const row = await screen.findByTestId('token-row-lamp');
    expect(create.disabled).toBe(false);
    expect((within(row).getByRole('button', { name: 'Rotate' }) as HTMLButtonElement).disabled).toBe(false);
    expect(ctx.store.getState().notices.map((n) => n.text)).not.toContain('Could not load tokens: not connected to the host');
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect((within(row).getByRole('button', { name: 'Rotate' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(row).getByRole('button', { name: 'Revoke' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('tokens view: revoked tokens', () => {
  it('offers Delete only for a revoked token, asks first, and the row leaves the list', async () => {
    const client = createFakeClient();
    let tokens: TokenInfo[] = [
      { id: 'active-1', createdAt: 1, revokedAt: null, lastUsedAt: null },
      { id: 'old-1', createdAt: 1, revokedAt: 2, lastUsedAt: null },
    ];
    client.handlers['tokens.list'] = () => tokens;
    client.handlers['tokens.delete'] = ({ id }) => {
      tokens = tokens.filter((t) => t.id !== id);
      return { deleted: true };
    };
    const ctx = setup(client);
    renderWith(<TokensView />, ctx);
    const old = await screen.findByTestId('token-row-old-1');
    expect(within(screen.getByTestId('token-row-active-1')).queryByRole('button', { name: 'Delete' })).toBeNull();
    fireEvent.click(within(old).getByRole('button', { name: 'Delete' }));
    expect(screen.getByRole('dialog', { name: 'Delete the revoked token of old-1?' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(client.calls.some((c) => c.method === 'tokens.delete')).toBe(false);
    fireEvent.click(within(old).getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(screen.getByTestId('token-delete-confirm')));
    await waitFor(() => expect(screen.queryByTestId('token-row-old-1')).toBeNull());
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('Token of old-1 deleted');
  });
});

describe('tokens view: rotate and revoke ask in the panel\'s own dialog', () => {
  it('says what happens, keeps Tab inside, Escape cancels and returns focus, and only the confirm button acts', async () => {
    const client = createFakeClient();
    let tokens: TokenInfo[] = [{ id: 'lamp', createdAt: 1, revokedAt: null, lastUsedAt: null }];
    client.handlers['tokens.list'] = () => tokens;
    client.handlers['tokens.rotate'] = ({ id }) => ({ id, token: 'fresh-token-1' });
    client.handlers['tokens.revoke'] = ({ id }) => {
      tokens = tokens.map((t) => (t.id === id ? { ...t, revokedAt: 2 } : t));
      return { closedSession: true };
    };
    const nativeConfirm = vi.spyOn(window, 'confirm');
    const ctx = setup(client);
    renderWith(<TokensView />, ctx);
    const row = await screen.findByTestId('token-row-lamp');
    const revoke = within(row).getByRole('button', { name: 'Revoke' });
    revoke.focus();
    fireEvent.click(revoke);
    const dialog = screen.getByRole('dialog', { name: 'Revoke the token of lamp?' });
    expect(screen.getByTestId('token-consequence').textContent).toBe("The device's live session is closed at once and it cannot log in again. Rotating the token later gives it a new one.");
    const [cancel, confirm] = [within(dialog).getByRole('button', { name: 'Cancel' }), screen.getByTestId('token-revoke-confirm')];
    expect(document.activeElement).toBe(cancel);
    confirm.focus();
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(revoke);
    expect(client.calls.some((c) => c.method === 'tokens.revoke')).toBe(false);

    fireEvent.click(within(row).getByRole('button', { name: 'Rotate' }));
    expect(screen.getByTestId('token-consequence').textContent).toMatch(/^The old token stops working at once .*must be given the new token/);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Rotate token' })));
    expect(screen.getByTestId('token-value').textContent).toBe('fresh-token-1');

    fireEvent.click(revoke);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Revoke token' })));
    expect(await within(row).findByText('revoked')).toBeTruthy();
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('Token of lamp revoked; its session was closed');
    expect(nativeConfirm).not.toHaveBeenCalled();
    nativeConfirm.mockRestore();
  });
});

describe('settings view', () => {
  it('validates limits before saving and applies the theme at once', async () => {
    const client = createFakeClient();
    const settings = { tcpPort: 8080, udpPort: 8080, tlsEnabled: false, tlsPort: 8443, maxPayload: 16384, keepaliveSeconds: 10, rateLimitPerSecond: 200, broadcastLimitPerSecond: 10, connectionsPerAddress: 64, retentionDays: 7, retentionMegabytes: 512, offlineGraceSeconds: 0, offlineAlerts: true, theme: 'system' as const };
    client.handlers['settings.get'] = () => settings;
    client.handlers['settings.save'] = ({ settings: s }) => ({ ...settings, ...s });
    const ctx = setup(client);
    renderWith(<SettingsView />, ctx);
    const maxPayload = await screen.findByLabelText('Max payload (bytes)');
    fireEvent.change(maxPayload, { target: { value: '70000' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(client.calls.some((c) => c.method === 'settings.save')).toBe(false);
    expect(screen.getByTestId('settings-problem-maxPayload').textContent).toMatch(/must be a whole number between 64 and 65535$/);
    expect(maxPayload.getAttribute('aria-describedby')).toBe('settings-problem-maxPayload');
    fireEvent.change(maxPayload, { target: { value: '4096' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(client.calls.find((c) => c.method === 'settings.save')?.params).toMatchObject({ settings: { maxPayload: 4096 } });
    await act(async () => fireEvent.click(screen.getByTestId('theme-dark')));
    expect(ctx.store.getState().theme).toBe('dark');
    expect(localStorage.getItem('hypertcp.theme')).toBe('dark');
  });

  it('shows the ports the host really listens on when its flags override the saved ones', async () => {
    const client = createFakeClient();
    const settings = { tcpPort: 8080, udpPort: 8080, tlsEnabled: false, tlsPort: 8443, maxPayload: 16384, keepaliveSeconds: 10, rateLimitPerSecond: 200, broadcastLimitPerSecond: 10, connectionsPerAddress: 64, retentionDays: 7, retentionMegabytes: 512, offlineGraceSeconds: 0, offlineAlerts: true, theme: 'system' as const };
    client.handlers['settings.get'] = () => settings;
    const ctx = setup(client);
    ctx.store.setState({ hello: { ...TEST_HELLO, tcpPort: 8180 } });
    renderWith(<SettingsView />, ctx);
    expect((await screen.findByTestId('live-tcpPort')).textContent).toContain('listening on 8180 in this run');
    expect(screen.getByTestId('live-udpPort').textContent).toContain('off in this run: a headless host opens UDP only with --udp-port');
    expect(screen.queryByTestId('live-tlsPort')).toBeNull();
    cleanup();
    ctx.store.setState({ hello: { ...TEST_HELLO, mode: 'desktop', udpPort: 8080 } });
    renderWith(<SettingsView />, ctx);
    await screen.findByLabelText('TCP port');
    expect(screen.queryByTestId('live-tcpPort')).toBeNull();
    expect(screen.queryByTestId('live-udpPort')).toBeNull();
  });
});

describe('tokens view "last login" while the host is away', () => {
  afterEach(() => vi.useRealTimers());

  it('stops counting when the host link is lost: the list is as of its last load', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T10:00:00Z'), toFake: ['Date', 'setInterval', 'clearInterval'] });
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => [{ id: 'garage', createdAt: Date.now() - 3_600_000, revokedAt: null, lastUsedAt: Date.now() - 60_000 }];
    const ctx = setup(client);
    renderWith(<TokensView />, ctx);
    const row = await screen.findByTestId('token-row-garage');
    expect(row.textContent).toContain('1 min');
    await act(async () => client.setStatus('closed'));
    act(() => vi.advanceTimersByTime(10 * 60_000));
    expect(screen.getByTestId('token-row-garage').textContent).toContain('1 min');
    expect(screen.getByTestId('token-row-garage').textContent).not.toContain('11 min');
  });
});

describe('tokens view "last login"', () => {
  it('says "online now" for a device that is online (its last login may be days old), the last login once it is not', async () => {
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => [{ id: 'garage', createdAt: Date.now() - 9 * 86_400_000, revokedAt: null, lastUsedAt: Date.now() - 3 * 86_400_000 - 1_800_000 }];
    const ctx = setup(client);
    ctx.store.setState({ devices: { garage: fakeDevice('garage') } });
    renderWith(<TokensView />, ctx);
    const lastLogin = async () => (await screen.findByTestId('token-row-garage')).children[2]!.textContent;
    expect(await lastLogin()).toBe('online now');
    act(() => ctx.store.setState({ devices: { garage: fakeDevice('garage', { online: false }) } }));
    expect(await lastLogin()).toMatch(/^3 d .*ago$/);
  });
});

describe('tokens view with many devices', () => {
  it('renders the rows in view and a few around them, not one row of buttons per token, and scrolls to the others', async () => {
    // withLayout: the view is 800 px high, a row 28 px
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => Array.from({ length: 2000 }, (_, i) => ({ id: `dev-${i}`, createdAt: 1, revokedAt: null, lastUsedAt: null }));
    renderWith(<TokensView />, setup(client));
    await screen.findByTestId('token-row-dev-0');
    const table = screen.getByTestId('tokens-table');
    const rendered = () => table.querySelectorAll('[data-testid^="token-row-"]').length;
    expect(rendered()).toBeGreaterThanOrEqual(800 / 42);
    expect(rendered()).toBeLessThan(60);
    expect(table.getAttribute('aria-rowcount')).toBe('2001');
    expect(screen.queryByTestId('token-row-dev-1999')).toBeNull();
    // the space of the rows left out is kept, so the view scrolls as far as all of them
    const spacer = table.querySelector<HTMLElement>('tr.spacer')!;
    expect(parseFloat(spacer.style.height)).toBeGreaterThan(1900 * 28);
    const view = screen.getByTestId('tokens-view');
    act(() => {
      view.scrollTop = 2000 * 50; // past the end
      fireEvent.scroll(view);
    });
    expect(screen.getByTestId('token-row-dev-1999').getAttribute('aria-rowindex')).toBe('2001');
    expect(screen.queryByTestId('token-row-dev-0')).toBeNull();
    expect(rendered()).toBeLessThan(60);
  });
});

describe('tokens view search', () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `dev-${i}`, createdAt: 1, revokedAt: null, lastUsedAt: null }));

  it('finds tokens by device id (rows out of view are not drawn, so the browser cannot find them), says when none matches, Show all tokens clears it', async () => {
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => list(300);
    renderWith(<TokensView />, setup(client));
    await screen.findByTestId('token-row-dev-0');
    expect(screen.queryByTestId('token-row-dev-250')).toBeNull();
    fireEvent.change(screen.getByLabelText('Search tokens'), { target: { value: ' DEV-25 ' } });
    const table = screen.getByTestId('tokens-table');
    const ids = Array.from(table.querySelectorAll('[data-testid^="token-row-"]')).map((r) => r.getAttribute('data-testid')!.slice('token-row-'.length));
    expect(ids).toEqual(['dev-25', ...Array.from({ length: 10 }, (_, i) => `dev-${250 + i}`)]);
    expect(table.getAttribute('aria-rowcount')).toBe('12');
    fireEvent.change(screen.getByLabelText('Search tokens'), { target: { value: 'garage' } });
    expect(screen.getByTestId('tokens-no-match').textContent).toContain('No token matches "garage".');
    fireEvent.click(screen.getByRole('button', { name: 'Show all tokens' }));
    expect((screen.getByLabelText('Search tokens') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('token-row-dev-0')).toBeTruthy();
  });

  it('shows no search box for a handful of tokens', async () => {
    const client = createFakeClient();
    client.handlers['tokens.list'] = () => list(3);
    renderWith(<TokensView />, setup(client));
    await screen.findByTestId('token-row-dev-2');
    expect(screen.queryByLabelText('Search tokens')).toBeNull();
  });
});

describe('tokens view: a new token far down a long list', () => {
  function withScrollSpy() {
    const proto = Element.prototype as { scrollIntoView?: unknown };
    const saved = proto.scrollIntoView;
    const calls: { el: Element; options: unknown }[] = [];
    proto.scrollIntoView = function (this: Element, options?: unknown) {
      calls.push({ el: this, options });
    };
    return { calls, restore: () => (proto.scrollIntoView = saved) };
  }
  /** The user's reduced-motion choice (jsdom has no matchMedia of its own). */
  function reducedMotion(reduce: boolean) {
    const saved = Object.getOwnPropertyDescriptor(window, 'matchMedia');
    const matchMedia = (query: string) => ({ matches: reduce && query.includes('prefers-reduced-motion: reduce'), media: query }) as MediaQueryList;
    Object.defineProperty(window, 'matchMedia', { configurable: true, writable: true, value: matchMedia });
    return { mockRestore: () => (saved ? Object.defineProperty(window, 'matchMedia', saved) : delete (window as { matchMedia?: unknown }).matchMedia) };
  }

  it('scrolls the reveal at the top into view and gives it the focus after a Rotate in row 200 and more', async () => {
    const spy = withScrollSpy();
    const motion = reducedMotion(false);
    try {
      const client = createFakeClient();
      client.handlers['tokens.list'] = () => Array.from({ length: 400 }, (_, i) => ({ id: `dev-${i}`, createdAt: 1, revokedAt: null, lastUsedAt: null }));
      client.handlers['tokens.rotate'] = ({ id }) => ({ id, token: `rotated-${id}` });
      renderWith(<TokensView />, setup(client));
      await screen.findByTestId('token-row-dev-0');
      const view = screen.getByTestId('tokens-view');
      act(() => {
        view.scrollTop = 300 * 28; // withLayout: a row is 28 px once drawn (42 estimated before)
        fireEvent.scroll(view);
      });
      // a row far below the add-a-device card, where the reveal is
      const row = Array.from(view.querySelectorAll<HTMLElement>('tr[data-index]')).find((r) => Number(r.dataset.index) >= 200)!;
      const id = within(row).getByText(/^dev-\d+$/).textContent!;
      fireEvent.click(within(row).getByRole('button', { name: 'Rotate' }));
      await act(async () => fireEvent.click(screen.getByTestId('token-rotate-confirm')));
      const box = screen.getByTestId('token-reveal-box');
      expect(within(box).getByTestId('token-value').textContent).toBe(`rotated-${id}`);
      expect(box.getAttribute('aria-label')).toBe(`New token for ${id}`);
      expect(document.activeElement).toBe(box);
      expect(spy.calls.filter((c) => c.el === box).map((c) => c.options)).toEqual([{ block: 'nearest', behavior: 'smooth' }]);
    } finally {
      motion.mockRestore();
      spy.restore();
    }
  });

  it('does not scroll smoothly when the user asked for reduced motion, and a created token is brought into view too', async () => {
    const spy = withScrollSpy();
    const motion = reducedMotion(true);
    try {
      const client = createFakeClient();
      client.handlers['tokens.list'] = () => [];
      client.handlers['tokens.create'] = ({ id }) => ({ id, token: 'created-1' });
      renderWith(<TokensView />, setup(client));
      await screen.findByTestId('tokens-empty');
      fireEvent.change(screen.getByLabelText('New device id'), { target: { value: 'garage' } });
      await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create device' })));
      const box = screen.getByTestId('token-reveal-box');
      expect(document.activeElement).toBe(box);
      expect(spy.calls.filter((c) => c.el === box).map((c) => c.options)).toEqual([{ block: 'nearest', behavior: 'auto' }]);
    } finally {
      motion.mockRestore();
      spy.restore();
    }
  });
});

describe('tokens view: a list that has not loaded', () => {
  it('says it is loading, not "No device tokens", while the list is on its way', async () => {
    const client = createFakeClient();
    let answer: (list: TokenInfo[]) => void = () => {};
    client.handlers['tokens.list'] = () => new Promise<TokenInfo[]>((resolve) => (answer = resolve));
    renderWith(<TokensView />, setup(client));
    expect(screen.getByTestId('tokens-loading').textContent).toBe('Loading tokens…');
    expect(screen.queryByTestId('tokens-empty')).toBeNull();
    await act(async () => answer([]));
    expect(screen.getByTestId('tokens-empty')).toBeTruthy();
  });

  it('says why a failed list did not load, with a Retry that loads it, not "No device tokens"', async () => {
    const client = createFakeClient();
    let fail = true;
    client.handlers['tokens.list'] = () => {
      if (fail) throw new ApiCallError('internal', 'database is locked');
      return [{ id: 'lamp', createdAt: 1, revokedAt: null, lastUsedAt: null }];
    };
    renderWith(<TokensView />, setup(client));
    const card = await screen.findByTestId('tokens-not-loaded');
    expect(card.textContent).toContain('Could not load the token list: database is locked');
    expect(screen.queryByTestId('tokens-empty')).toBeNull();
    fail = false;
    await act(async () => fireEvent.click(within(card).getByRole('button', { name: 'Retry' })));
    expect(await screen.findByTestId('token-row-lamp')).toBeTruthy();
    expect(screen.queryByTestId('tokens-not-loaded')).toBeNull();
  });
});
