/**
 * The hub's offline alerts as system notifications in a browser (headless mode), when the tab is
 * hidden: off until the user turns them on in Settings (which asks the browser's permission). The
 * desktop app never does this: its shell shows native notifications for the same alerts.
 */
import { useEffect, useRef } from 'react';
import { useApp } from '../../store/context';

export const BROWSER_ALERTS_KEY = 'hypertcp.browserAlerts';

export type BrowserPermission = 'unsupported' | 'default' | 'granted' | 'denied';

/** What the browser allows now ('unsupported' without the Notification API, e.g. some mobile browsers or plain http). */
export function browserPermission(): BrowserPermission {
  const N = globalThis.Notification as typeof Notification | undefined;
  return typeof N === 'function' ? N.permission : 'unsupported';
}

/** The user's choice, kept in this browser (off by default). */
export function browserAlertsOn(): boolean {
  try {
    return globalThis.localStorage?.getItem(BROWSER_ALERTS_KEY) === 'on';
  } catch {
    return false;
  }
}

export function setBrowserAlertsOn(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(BROWSER_ALERTS_KEY, on ? 'on' : 'off');
  } catch {
    /* storage may be disabled: the choice lasts until the page reloads (the card keeps it) */
  }
}

/** Asks the browser (a user gesture must call this) and returns what it answered. */
export async function requestBrowserPermission(): Promise<BrowserPermission> {
  const N = globalThis.Notification as typeof Notification | undefined;
  if (typeof N !== 'function') return 'unsupported';
  try {
    return await N.requestPermission();
  } catch {
    return browserPermission();
  }
}

/** The service worker some browsers need to show a notification (public/notify-sw.js). */
export const NOTIFY_WORKER = 'notify-sw.js';
/** What the worker posts back when its notification is clicked. */
const OPEN_DEVICE = 'hypertcp:open-device';

const TITLE = 'HyperTCP Panel';

/**
 * Shows it from the service worker, registered on first use (relative to the page, so a panel
 * behind a reverse proxy's path prefix finds it). A browser without one, or refusing it (Chrome
 * will not register one for a certificate it does not trust), shows the toast alone.
 */
async function showFromWorker(options: NotificationOptions): Promise<void> {
  const workers = globalThis.navigator?.serviceWorker as ServiceWorkerContainer | undefined;
  if (!workers) return;
  try {
    await workers.register(NOTIFY_WORKER);
    const registration = await workers.ready;
    await registration.showNotification(TITLE, options);
  } catch {
    /* the toast still shows */
  }
}

/** Mounted once in the app: shows each new offline alert notice as a system notification when the tab is hidden. */
export function BrowserAlerts() {
  const notices = useApp((s) => s.notices);
  const headless = useApp((s) => s.hello?.mode === 'headless');
  const navigate = useApp((s) => s.navigate);
  // notice id -> how many times it was seen: a repeat of the same alert counts up the same notice
  const seen = useRef<Map<number, number> | null>(null);
  useEffect(() => {
    const first = seen.current === null;
    const before = seen.current ?? new Map<number, number>();
    const now = new Map<number, number>();
    for (const n of notices) {
      now.set(n.id, n.count);
      // alerts already on screen when this mounted are not news
      if (first || n.alert !== 'offline' || (before.get(n.id) ?? 0) >= n.count) continue;
      if (!headless || !document.hidden || !browserAlertsOn() || browserPermission() !== 'granted') continue;
      const device = n.device;
      const options: NotificationOptions = { body: n.text, tag: device ? `offline:${device}` : 'offline', data: { device } };
      try {
        const shown = new Notification(TITLE, options);
        shown.onclick = () => {
          window.focus();
          if (device !== undefined) navigate('device', device);
          shown.close();
        };
      } catch {
        // some browsers allow notifications only from a service worker (Chrome on Android)
        void showFromWorker(options);
      }
    }
    seen.current = now;
  }, [notices, headless, navigate]);
  // a click on the worker's notification comes back as a message
  useEffect(() => {
    const workers = globalThis.navigator?.serviceWorker as ServiceWorkerContainer | undefined;
    if (!workers || !headless) return;
    const onMessage = (e: MessageEvent<unknown>) => {
      const m = e.data as { type?: unknown; device?: unknown } | null;
      if (m?.type === OPEN_DEVICE && typeof m.device === 'string') navigate('device', m.device);
    };
    workers.addEventListener('message', onMessage);
    workers.startMessages(); // addEventListener alone leaves them queued until the page has loaded
    return () => workers.removeEventListener('message', onMessage);
  }, [headless, navigate]);
  return null;
}
