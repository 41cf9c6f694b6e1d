import { expect, test } from './fixtures/test';

// A link with a wrong #token= (an old one, a typo): the host accepts the upgrade from the page and
// closes it with 4401, which the browser shows the page (a refused upgrade would read as 1006 only).
test('a wrong admin token in the link says so, points to --show-token, and is not retried; Retry now tries once', async ({ page, lab }) => {
  let sockets = 0;
  let framesSent = 0;
  page.on('websocket', (ws) => {
    sockets++;
    ws.on('framesent', () => framesSent++);
  });
  const url = lab.host.url.replace(/#token=.*$/, '#token=not-the-admin-token-0123456789');
  await page.goto(url);
  const status = page.getByTestId('host-status');
  await expect(status).toHaveAttribute('data-status', 'closed');
  await expect(status).toContainText("refused this page's admin token (#token= in the URL): open the link `npm run serve -- --show-token` prints. Not retrying.");
  const card = page.getByTestId('devices-unreachable');
  await expect(card).toContainText("The host refused this page's admin token");
  await expect(card).not.toContainText('keeps retrying');
  // well past the 2 s a visible page waits between attempts: still the one attempt
  await page.waitForTimeout(5_000);
  expect(sockets).toBe(1);
  await expect(page.getByTestId('stale-banner')).toHaveCount(0);
  await page.getByRole('button', { name: 'Retry now' }).click();
  await expect.poll(() => sockets).toBe(2);
  await expect(status).toContainText('Not retrying.');
  await page.waitForTimeout(3_000);
  expect(sockets).toBe(2);
  // the socket was never taken for connected: the page sent no call on it (no hello to load from)
  expect(framesSent).toBe(0);
});
