import { describe, expect, it } from 'vitest';
import { LOGIN_ALERT_WINDOW_MS, LoginAlerts } from './login-alerts';

describe('failed-login alerts', () => {
  it('shows one per window and counts the rest into the next', () => {
    let now = 0;
    let enabled = true;
    const shown: string[] = [];
    const alerts = new LoginAlerts({ enabled: () => enabled, notify: (_t, body) => shown.push(body), now: () => now });
    alerts.failed('10.0.0.5:4000', 'bad_token');
    for (let i = 0; i < 5; i++) alerts.failed('10.0.0.5:4001', 'bad_token');
    now += LOGIN_ALERT_WINDOW_MS;
    alerts.failed('10.0.0.6:4000', 'revoked');
    enabled = false;
    now += LOGIN_ALERT_WINDOW_MS;
    alerts.failed('10.0.0.7:4000', 'bad_token');
    expect(shown).toEqual(['10.0.0.5:4000: bad_token', '10.0.0.6:4000: revoked (+5 more since the last alert)']);
  });
});
