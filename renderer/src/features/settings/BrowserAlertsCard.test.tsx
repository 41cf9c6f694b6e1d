// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { BROWSER_ALERTS_KEY } from '../shell/browser-alerts';
import { BrowserAlertsCard } from './BrowserAlertsCard';

/** window.Notification is the browser boundary: its permission and the answer to the request are the test's. */
function stubNotification(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const N = { permission, requestPermission: vi.fn(async () => ((N.permission = answer), answer)) };
  vi.stubGlobal('Notification', Object.assign(function Notification() {}, N));
  return (globalThis as unknown as { Notification: typeof N }).Notification;
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Settings: browser notifications (headless mode)', () => {
  it('are off by default; turning them on asks the browser and shows its answer', async () => {
    const N = stubNotification('default', 'granted');
    renderWith(<BrowserAlertsCard />);
    expect(screen.getByTestId('browser-alerts-state').textContent).toBe('off');
    expect(screen.getByTestId('browser-alerts-permission').textContent).toContain('not asked yet');
    await act(async () => fireEvent.click(screen.getByTestId('browser-alerts-on')));
    expect(N.requestPermission).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('browser-alerts-state').textContent).toBe('on');
    expect(screen.getByTestId('browser-alerts-permission').textContent).toContain('allowed');
    expect(localStorage.getItem(BROWSER_ALERTS_KEY)).toBe('on');
    fireEvent.click(screen.getByTestId('browser-alerts-off'));
    expect(screen.getByTestId('browser-alerts-state').textContent).toBe('off');
    expect(localStorage.getItem(BROWSER_ALERTS_KEY)).toBe('off');
  });

  it('says what to do when the browser refuses', async () => {
    stubNotification('default', 'denied');
    renderWith(<BrowserAlertsCard />);
    await act(async () => fireEvent.click(screen.getByTestId('browser-alerts-on')));
    expect(screen.getByTestId('browser-alerts-state').textContent).toBe('off');
    expect(screen.getByTestId('browser-alerts-permission').textContent).toContain('blocked');
    expect(screen.getByTestId('browser-alerts-denied').textContent).toMatch(/Allow them in the site settings/);
    expect(localStorage.getItem(BROWSER_ALERTS_KEY)).toBe('off');
  });

  it('says so when the browser has no notifications', () => {
    vi.stubGlobal('Notification', undefined);
    renderWith(<BrowserAlertsCard />);
    expect(screen.getByTestId('browser-alerts-permission').textContent).toContain('not supported');
    expect(screen.queryByTestId('browser-alerts-on')).toBeNull();
  });

  it('is not offered in the desktop app (native notifications there)', () => {
    stubNotification('default');
    const ctx = setup();
    ctx.store.setState({ hello: { ...TEST_HELLO, mode: 'desktop' } });
    renderWith(<BrowserAlertsCard />, ctx);
    expect(screen.queryByTestId('browser-alerts')).toBeNull();
  });
});
