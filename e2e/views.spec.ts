import { expect, screenshot, test, uid } from './fixtures/test';

test('device detail draws the declared controls, telemetry, counters and its traffic', async ({ page, lab }) => {
  const relay = uid('heater');
  const sensor = uid('probe');
  await lab.devices([{ kind: 'relay', id: relay }, { kind: 'sensor', id: sensor }], ['--rate', '4']);
  await lab.open(page);
  await page.getByTestId(`device-row-${relay}`).click();
  const detail = page.getByTestId('device-detail');
  await expect(detail).toContainText(relay);
  const toggle = detail.getByTestId(`control-${relay}-relay1`);
  await toggle.click();
  await expect(detail.getByTestId(`control-status-${relay}-relay1`)).toHaveText('confirmed');
  await expect(detail.getByTestId('device-counters')).toContainText('Messages in');
  await expect(detail.getByTestId('device-traffic').getByTestId('traffic-row').first()).toBeVisible();
  await screenshot(page, 'device-detail');

  // the user's own name: shown in the title and the list, and kept by the host
  await page.getByTestId('label-edit').click();
  await page.getByLabel('Device name').fill('Boiler room heater');
  await page.getByLabel('Device name').press('Enter');
  await expect(page.getByTestId('device-title')).toContainText(`Boiler room heater (${relay})`);
  await page.getByTestId('nav-devices').click();
  await expect(page.getByTestId(`device-row-${relay}`)).toContainText('Boiler room heater');
  await page.reload();
  await expect(page.getByTestId(`device-row-${relay}`)).toContainText('Boiler room heater');

  await page.getByTestId('nav-devices').click();
  await page.getByTestId(`device-row-${sensor}`).click();
  await expect(page.getByTestId('telemetry-values')).toBeVisible();
  await screenshot(page, 'device-detail-sensor');
});

test('metrics charts update live and switch ranges; keyboard shortcuts and palette work', async ({ page, lab }) => {
  const meter = uid('meter');
  const quiet = uid('meter');
  await lab.devices([{ kind: 'sensor', id: meter }, { kind: 'sensor', id: quiet }], ['--rate', '10']);
  await lab.open(page);
  await page.getByTestId('nav-metrics').click();
  // a drawn line: an SVG path through at least two points
  await expect(page.getByTestId('chart-msgs').locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[^L]+L/, { timeout: 15_000 });

  // per-device series: pick two devices; the chart draws one line each, in palette order, with a legend
  const picker = page.getByLabel('Add a device to the chart');
  for (const id of [meter, quiet]) {
    await picker.fill(id);
    await picker.press('Enter');
  }
  const perDevice = page.getByTestId('chart-devices');
  await expect(perDevice.locator('.recharts-legend-item-text')).toHaveText([meter, quiet]);
  for (const color of ['var(--series-1)', 'var(--series-2)']) {
    await expect(perDevice.locator(`path.recharts-line-curve[stroke="${color}"]`)).toHaveAttribute('d', /^M[^L]+L/, { timeout: 15_000 });
  }
  await expect(page.getByTestId('device-series')).toHaveAttribute('data-devices', `${meter},${quiet}`);
  await expect(page.getByTestId('top-talkers')).toBeVisible();
  await screenshot(page, 'metrics');
  await page.getByRole('button', { name: '1 hour' }).click();
  await expect(page.getByRole('button', { name: '1 hour' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('notice-error')).toHaveCount(0);

  // Ctrl+K palette to jump to traffic, "/" focuses its filter
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Command' }).fill('go to traffic');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Traffic filter')).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(page.getByLabel('Traffic filter')).toBeFocused();
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('1');
  await expect(page.getByTestId('nav-devices')).toHaveClass(/active/);
});

test('switches between light and dark themes and keeps the choice', async ({ page, lab }) => {
  await lab.open(page);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('theme-dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // the storage card reads the lab's real SQLite file
  await expect(page.getByTestId('storage-card')).toContainText('.db');
  await expect(page.getByTestId('storage-traffic')).toHaveText(/^[\d,]+ messages, [\d.]+ (B|KiB|MiB) of [\d.]+ MiB \(\d+ %\)$/);
  await screenshot(page, 'settings-dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('theme-light').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await screenshot(page, 'settings');
});

test('the browser Back and Forward move between views, and a reload stays on the view', async ({ page, lab }) => {
  const relay = uid('lamp');
  await lab.devices([{ kind: 'relay', id: relay }]);
  await lab.open(page);
  await page.getByTestId(`device-row-${relay}`).click();
  await expect(page.getByTestId('device-title')).toContainText(relay);
  expect(new URL(page.url()).hash).toBe(`#/devices/${encodeURIComponent(relay)}`);
  await page.getByTestId('nav-traffic').click();
  expect(new URL(page.url()).hash).toBe('#/traffic');

  await page.goBack();
  await expect(page.getByTestId('device-title')).toContainText(relay);
  await page.goBack();
  await expect(page.getByTestId(`device-row-${relay}`)).toBeVisible();
  expect(new URL(page.url()).hash).toBe('#/devices');
  await page.goForward();
  await expect(page.getByTestId('device-title')).toContainText(relay);

  // a reload (or a bookmark in this tab) opens the same device once the host has answered
  await page.reload();
  await expect(page.getByTestId('device-title')).toContainText(relay);
  await expect(page.getByText('Device not found')).toHaveCount(0);
  expect(page.url()).not.toContain('token=');
});

test("the tab shows the app's icon, and the browser's bar takes the page's colour", async ({ page, lab }) => {
  await lab.open(page);
  const href = await page.locator('link[rel="icon"]').evaluate((l) => (l as HTMLLinkElement).href);
  const icon = await page.request.get(href);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toBe('image/png');
  const png = await icon.body();
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([32, 32]);
  expect(await page.locator('meta[name="theme-color"]').evaluateAll((m) => m.map((e) => e.getAttribute('content')))).toEqual(['#f6f7f9', '#14171d']);
});

test('in dark mode the page is dark before its script has run, and stays dark once it has', async ({ browser, lab }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  try {
    const page = await context.newPage();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    // the entry script held back: what a slow phone shows for its first second or two
    await page.route(/\/assets\/index-[\w-]+\.js$/, (route) => route.abort());
    await page.goto(lab.host.url);
    const early = await background();
    await page.unroute(/\/assets\/index-[\w-]+\.js$/);
    await page.reload();
    await expect(page.getByTestId('host-status')).toHaveAttribute('data-status', 'open');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(early, 'the empty page before the script').toBe(await background());
    expect(early).not.toBe('rgb(246, 247, 249)'); // the light theme's
  } finally {
    await context.close();
  }
});
