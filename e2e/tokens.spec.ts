import { startSim } from './fixtures/sim';
import { expect, screenshot, test, tokenRow, uid } from './fixtures/test';

test('the UI connects with the token from the URL and strips it from the address bar', async ({ page, lab }) => {
  await lab.open(page);
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('host-status')).toContainText('Host connected');
  // a reload keeps working: the token was kept in sessionStorage
  await page.reload();
  await expect(page.getByTestId('host-status')).toHaveAttribute('data-status', 'open');
});

test('creates a device token in the UI and connects a simulated device with it', async ({ page, lab }) => {
  const id = uid('garage');
  await lab.open(page);
  await page.getByTestId('nav-tokens').click();
  await page.getByLabel('New device id').fill(id);
  await page.getByRole('button', { name: 'Create device' }).click();
  const token = (await page.getByTestId('token-value').textContent())!.trim();
  expect(token.length).toBeGreaterThanOrEqual(20);
  await expect(page.getByTestId('token-snippet')).toContainText(`DEVICE_TOKEN = "${token}"`);
  await expect(page.getByTestId('token-snippet')).toContainText(`BROKER_PORT = ${lab.host.tcpPort}`);
  await expect(await tokenRow(page, id)).toContainText('active');
  await screenshot(page, 'tokens');

  const sim = startSim(lab.host.tcpPort, [{ kind: 'relay', id, token }]);
  try {
    await sim.out.waitFor(new RegExp(`^${id} connected`));
    await page.getByTestId('nav-devices').click();
    await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
  } finally {
    await sim.stop();
  }
});

test('forgets a device with its history: its session closes, it leaves the list, its token stops working', async ({ page, lab }) => {
  const id = uid('stale');
  await lab.devices([{ kind: 'relay', id }]);
  await lab.open(page);
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
  await page.getByTestId(`device-row-${id}`).click();
  await page.getByRole('button', { name: 'Forget device' }).click();
  await page.getByTestId('forget-delete-history').check();
  await page.getByTestId('forget-confirm').click();
  await expect(page.getByTestId('devices-count')).toBeVisible();
  await expect(page.getByTestId(`device-row-${id}`)).toHaveCount(0);
  await expect(page.getByTestId('notice-info').filter({ hasText: `${id} forgotten` })).toContainText(/deleted [\d,]+ traffic rows/);
  // the simulator's reconnects are refused: the device does not come back
  await page.waitForTimeout(1500);
  await expect(page.getByTestId(`device-row-${id}`)).toHaveCount(0);
  await page.getByTestId('nav-tokens').click();
  await expect(await tokenRow(page, id)).toContainText('revoked');
});

test("revokes a token in the panel's own dialog: Escape keeps it, Revoke token closes the live session", async ({ page, lab }) => {
  const id = uid('porch');
  await lab.devices([{ kind: 'relay', id }]);
  const nativeDialogs: string[] = [];
  page.on('dialog', (d) => {
    nativeDialogs.push(d.message());
    void d.dismiss();
  });
  await lab.open(page);
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
  await page.getByTestId('nav-tokens').click();
  const row = await tokenRow(page, id);
  const revoke = row.getByRole('button', { name: 'Revoke' });
  await revoke.click();
  const dialog = page.getByRole('dialog', { name: `Revoke the token of ${id}?` });
  await expect(dialog).toContainText("The device's live session is closed at once and it cannot log in again.");
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(revoke).toBeFocused();
  await expect(row).toContainText('active');
  await revoke.click();
  await page.getByTestId('token-revoke-confirm').click();
  await expect(row).toContainText('revoked');
  await page.getByTestId('nav-devices').click();
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('offline');
  expect(nativeDialogs).toEqual([]);
});
