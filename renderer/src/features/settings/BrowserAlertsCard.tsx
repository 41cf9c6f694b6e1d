import { useState } from 'react';
import { useApp } from '../../store/context';
import { browserAlertsOn, browserPermission, requestBrowserPermission, setBrowserAlertsOn, type BrowserPermission } from '../shell/browser-alerts';

const STATE_TEXT: Record<BrowserPermission, string> = {
  granted: 'allowed by this browser',
  default: 'not asked yet',
  denied: 'blocked by this browser',
  unsupported: 'not supported by this browser',
};

/**
 * Browser notifications for offline alerts (headless mode only: the desktop app has native ones).
 * Off by default; turning them on asks the browser's permission and says what it answered.
 */
export function BrowserAlertsCard() {
  const headless = useApp((s) => s.hello?.mode === 'headless');
  const [on, setOn] = useState(browserAlertsOn);
  const [permission, setPermission] = useState<BrowserPermission>(browserPermission);
  if (!headless) return null;
  const enable = async () => {
    const answer = await requestBrowserPermission();
    setPermission(answer);
    const enabled = answer === 'granted';
    setBrowserAlertsOn(enabled);
    setOn(enabled);
  };
  const disable = () => {
    setBrowserAlertsOn(false);
    setOn(false);
  };
  const active = on && permission === 'granted';
  return (
    <div className="card" data-testid="browser-alerts">
      <h2>Browser notifications</h2>
      <p className="muted">
        Offline alerts always show here as notices. With this on, this browser also shows them as system notifications while
        the panel's tab is in the background.
      </p>
      <p>
        Browser notifications: <strong data-testid="browser-alerts-state">{active ? 'on' : 'off'}</strong>
        <span className="muted" data-testid="browser-alerts-permission">
          {' '}
          · {STATE_TEXT[permission]}
        </span>
      </p>
      {permission === 'unsupported' ? (
        <p className="muted">This browser cannot show notifications here (they need https or localhost); the notices in the panel still show every alert.</p>
      ) : permission === 'denied' ? (
        <p className="error-text" data-testid="browser-alerts-denied">
          The browser blocks notifications for this site. Allow them in the site settings (the icon left of the address), then reload the page and turn them on here.
        </p>
      ) : active ? (
        <button type="button" className="btn" onClick={disable} data-testid="browser-alerts-off">
          Turn off browser notifications
        </button>
      ) : (
        <button type="button" className="btn primary" onClick={() => void enable()} data-testid="browser-alerts-on">
          Turn on browser notifications
        </button>
      )}
    </div>
  );
}
