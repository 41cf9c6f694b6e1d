import type { WebSocketRoute } from '@playwright/test';
import { expect, screenshot, test } from './fixtures/test';

// an empty lab of its own: what shows before the host answered must not read as "no devices"
test.use({ ownHost: true });

// The page's first WebSocket opens, but its calls (hello, devices.list...) are held on the way to
// the host, as with a slow host: actions wait, saying so, and no view claims an empty lab.
test('before the host has answered, actions are disabled with "Connecting to the host…" and the views say so', async ({ page, lab }) => {
  const held: (string | Buffer)[] = [];
  let server: WebSocketRoute | null = null;
  let holding = true;
  await page.routeWebSocket(/.*/, (ws) => {
    server = ws.connectToServer();
    ws.onMessage((m) => (holding ? held.push(m) : server!.send(m)));
  });
  await page.goto(lab.host.url);
  await expect(page.getByTestId('host-status')).toHaveAttribute('data-status', 'open');
  await expect.poll(() => held.length).toBeGreaterThan(0);
  // the socket is open, the host has not answered: still connecting
  await expect(page.getByTestId('host-status')).toContainText('Host connecting…');

  await expect(page.getByTestId('devices-connecting')).toContainText('Connecting to the host…');
  await expect(page.getByText('No devices yet')).toHaveCount(0);
  await screenshot(page, 'first-connect-devices');
  await page.getByTestId('nav-commands').click();
  const broadcast = page.getByTestId('broadcast-button');
  await expect(broadcast).toBeDisabled();
  await expect(broadcast).toHaveAttribute('title', 'Connecting to the host…');
  await expect(page.locator(`[id="${await broadcast.getAttribute('aria-describedby')}"]`)).toContainText('Connecting to the host…');
  await expect(page.getByText(/No saved commands yet|Nothing sent yet/)).toHaveCount(0);
  await screenshot(page, 'first-connect-commands');

  // the host answers: the actions and the (really empty) lab come
  holding = false;
  for (const m of held.splice(0)) server!.send(m);
  await expect(broadcast).toBeEnabled();
  await expect(broadcast).not.toHaveAttribute('title');
  await expect(page.getByTestId('host-status')).toContainText('Host connected');
  // The host built by `npm test` routes plain TCP on the native data path on Linux (elsewhere: TypeScript).
  await expect(page.getByTestId('data-path')).toHaveText(process.platform === 'linux' ? 'native data path' : 'standard data path');
  await page.getByTestId('nav-devices').click();
  await expect(page.getByTestId('devices-empty')).toContainText('Tokens');
});

test('in the narrowest window the "No devices yet" steps keep a margin from the view\'s edges', async ({ page, lab }) => {
  await page.setViewportSize({ width: 800, height: 560 });
  await lab.open(page);
  const card = page.getByTestId('devices-empty');
  await expect(card).toBeVisible();
  const [box, main] = [await card.boundingBox(), await page.locator('main').boundingBox()];
  expect(box!.x - main!.x).toBeGreaterThanOrEqual(12);
  expect(main!.x + main!.width - (box!.x + box!.width)).toBeGreaterThanOrEqual(12);
});
