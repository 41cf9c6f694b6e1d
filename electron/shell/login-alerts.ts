/**
 * Optional alert for failed device logins (a wrong or revoked token, a stranger on the port).
 * Failures come in floods (a device retrying every few seconds), so at most one notification per
 * window; the failures in between are counted into the next one. Memory: two numbers and a string.
 */
export const LOGIN_ALERT_WINDOW_MS = 60_000;

export class LoginAlerts {
  private lastShown = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly options: { enabled: () => boolean; notify: (title: string, body: string) => void; now?: () => number },
  ) {}

  failed(address: string, reason: string): void {
    if (!this.options.enabled()) return;
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastShown < LOGIN_ALERT_WINDOW_MS) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (+${this.suppressed} more since the last alert)` : '';
    this.lastShown = now;
    this.suppressed = 0;
    this.options.notify('Device login refused', `${address.slice(0, 64)}: ${reason.slice(0, 80)}${more}`);
  }
}
