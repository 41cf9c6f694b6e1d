// @vitest-environment jsdom
import { act, cleanup } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { BROWSER_ALERTS_KEY, BrowserAlerts, NOTIFY_WORKER } from './browser-alerts';

/** window.Notification is the browser boundary: a stand-in that records what would be shown. */
class FakeNotification {
  static permission: NotificationPermission = 'granted';
  static shown: FakeNotification[] = [];
  static requestPermission = vi.fn(async () => FakeNotification.permission);
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    FakeNotification.shown.push(this);
  }
  close() {
    this.closed = true;
  }
}

const alert = { level: 'warn' as const, text: 'greenhouse-1 (Greenhouse) is offline: keepalive timeout — for 30 s', device: 'greenhouse-1', alert: 'offline' as const };
let hidden = true;

beforeEach(() => {
  FakeNotification.permission = 'granted';
  FakeNotification.shown = [];
  vi.stubGlobal('Notification', FakeNotification);
  hidden = true;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  localStorage.setItem(BROWSER_ALERTS_KEY, 'on');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('browser notifications for offline alerts (headless mode)', () => {
  it('shows a new offline alert as a system notification while the tab is hidden; a click opens the device', () => {
    const { client, store } = renderWith(<BrowserAlerts />);
    act(() => void client.emit({ notices: [alert, { level: 'warn', text: 'login failed from 10.0.0.9: bad_token' }] }));
    expect(FakeNotification.shown.map((n) => [n.title, n.options.body])).toEqual([['HyperTCP Panel', alert.text]]);
    vi.spyOn(window, 'focus').mockImplementation(() => undefined);
    FakeNotification.shown[0]!.onclick!();
    expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'greenhouse-1' });
    // the same alert again (it counts up the same toast) is shown again
    act(() => void client.emit({ notices: [alert] }));
    expect(FakeNotification.shown).toHaveLength(2);
  });

  it('where only a service worker may show one (Chrome on Android), shows it from the panel\'s worker; its click message opens the device', async () => {
    class WorkerOnlyNotification extends FakeNotification {
      constructor(title: string, options: NotificationOptions) {
        super(title, options);
        throw new TypeError("Failed to construct 'Notification': Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.");
      }
    }
    vi.stubGlobal('Notification', WorkerOnlyNotification);
    const showNotification = vi.fn(async (_title: string, _options: NotificationOptions) => undefined);
    const workers = Object.assign(new EventTarget(), {
      startMessages: vi.fn(),
      register: vi.fn(async (_url: string) => ({})),
      ready: Promise.resolve({ showNotification }),
    });
    Object.defineProperty(navigator, 'serviceWorker', { configurable: true, value: workers });
    try {
      const { client, store } = renderWith(<BrowserAlerts />);
      await act(async () => void client.emit({ notices: [alert] }));
      expect(workers.register).toHaveBeenCalledWith(NOTIFY_WORKER);
      expect(showNotification.mock.calls).toEqual([['HyperTCP Panel', { body: alert.text, tag: 'offline:greenhouse-1', data: { device: 'greenhouse-1' } }]]);
      act(() => void workers.dispatchEvent(new MessageEvent('message', { data: { type: 'hypertcp:open-device', device: 'greenhouse-1' } })));
      expect(store.getState()).toMatchObject({ view: 'device', selectedDevice: 'greenhouse-1' });
    } finally {
      Reflect.deleteProperty(navigator, 'serviceWorker');
    }
  });

  it('stays quiet while the tab is in view, when the user has not turned it on, or without permission', () => {
    const { client } = renderWith(<BrowserAlerts />);
    hidden = false;
    act(() => void client.emit({ notices: [alert] }));
    hidden = true;
    localStorage.setItem(BROWSER_ALERTS_KEY, 'off');
    act(() => void client.emit({ notices: [{ ...alert, text: `${alert.text}.` }] }));
    localStorage.setItem(BROWSER_ALERTS_KEY, 'on');
    FakeNotification.permission = 'denied';
    act(() => void client.emit({ notices: [{ ...alert, text: `${alert.text}..` }] }));
    expect(FakeNotification.shown).toEqual([]);
  });

  it('never in the desktop app (its shell shows native notifications)', () => {
    const ctx = setup();
    ctx.store.setState({ hello: { ...TEST_HELLO, mode: 'desktop' } });
    renderWith(<BrowserAlerts />, ctx);
    act(() => void ctx.client.emit({ notices: [alert] }));
    expect(FakeNotification.shown).toEqual([]);
  });

  it('does not repeat alerts that were on screen before it mounted', () => {
    const ctx = setup();
    ctx.client.emit({ notices: [alert] });
    renderWith(<BrowserAlerts />, ctx);
    expect(FakeNotification.shown).toEqual([]);
  });
});
