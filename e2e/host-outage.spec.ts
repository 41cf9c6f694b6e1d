import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { startHost, type HostProcess } from './fixtures/host';

/** A port free right now, for a host that must come back on the same address after a restart. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// The host is stopped and started again on the same port with the same admin token, as after
// an update or a reboot; the open page must notice, hold its actions, and find the host again.
test('while the host is away actions are disabled and say why; it is found again within ~3 s, or at once with Retry now', async ({ page }) => {
  const args = ['--http-port', String(await freePort()), '--admin-token', 'outage-test-admin-token-0123456789'];
  let host: HostProcess | null = await startHost(args);
  try {
    await page.goto(host.url);
    const status = page.getByTestId('host-status');
    await expect(status).toHaveAttribute('data-status', 'open');
    await page.getByTestId('nav-commands').click();
    const broadcast = page.getByTestId('broadcast-button');
    await expect(broadcast).toBeEnabled();

    await host.stop();
    host = null;
    await expect(status).toHaveAttribute('data-status', /closed|connecting/);
    await expect(broadcast).toBeDisabled();
    await expect(broadcast).toHaveAttribute('title', 'Not connected to the host');
    await expect(page.locator(`[id="${await broadcast.getAttribute('aria-describedby')}"]`)).toContainText('Not connected to the host');
    await expect(page.getByRole('button', { name: 'Retry now' })).toBeVisible();
    // long enough for the old backoff (0.5, 1, 2, 4, 8 s) to pass the 3 s the cap allows
    await page.waitForTimeout(8_000);

    host = await startHost(args);
    const back = Date.now();
    await expect(status).toHaveAttribute('data-status', 'open', { timeout: 10_000 });
    expect(Date.now() - back).toBeLessThan(3_500);
    await expect(broadcast).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Retry now' })).toHaveCount(0);

    // a second outage with the page taken for hidden (the backoff then grows to 10 s): once the
    // host is back, Retry now reaches it at once instead of after the rest of that wait
    await page.evaluate(() => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }));
    await host.stop();
    host = null;
    await expect(broadcast).toBeDisabled();
    await page.waitForTimeout(8_000);
    host = await startHost(args);
    const clicked = Date.now();
    // (should a scheduled attempt win the race in these few ms, the button is already gone)
    await page.getByRole('button', { name: 'Retry now' }).click({ timeout: 1_000 }).catch(() => undefined);
    await expect(status).toHaveAttribute('data-status', 'open');
    expect(Date.now() - clicked).toBeLessThan(1_500);
    await expect(broadcast).toBeEnabled();
  } finally {
    await host?.stop();
  }
});
