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
      try {
        const shown = new Notification('HyperTCP Panel', { body: n.text, tag: n.device ? `offline:${n.device}` : 'offline' });
        const device = n.device;
        shown.onclick = () => {
          window.focus();
          if (device !== undefined) navigate('device', device);
          shown.close();
        };
      } catch {
        /* some browsers allow notifications only from a service worker: the toast still shows */
      }
    }
    seen.current = now;
  }, [notices, headless, navigate]);
  return null;
}
