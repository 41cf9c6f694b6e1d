import { expect, screenshot, test, uid } from './fixtures/test';

test('a new user sees a device appear, toggles its relay and sees it confirmed and in the traffic', async ({ page, lab }) => {
  const id = uid('lamp');
  const sim = await lab.devices([{ kind: 'relay', id }]);
  await lab.open(page);

  const row = page.getByTestId(`device-row-${id}`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
  await expect(row).toContainText('127.0.0.1');

  const toggle = page.getByTestId(`control-${id}-relay1`);
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  // the device really got the command and answered with its state
  await sim.out.waitFor(new RegExp(`^${id} message from server .*relay1`));
  await screenshot(page, 'devices', 'docs/screenshot.png');

  await page.getByTestId('nav-traffic').click();
  await page.getByLabel('Traffic filter').fill(`device:${id}`);
  const rows = page.getByTestId('traffic-row');
  await expect(rows.filter({ hasText: '"relay1"' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: '"state"' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: '➡ out' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: '⬅ in' }).first()).toBeVisible();
  await screenshot(page, 'traffic');
});
