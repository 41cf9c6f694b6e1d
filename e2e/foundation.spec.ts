import { expect, screenshot, test } from './fixtures/test';

test.use({ ownHost: true });

test('a new user sees devices appear, toggles a relay and sees it confirmed and in the traffic', async ({ page, lab }) => {
  await lab.open(page);
  await expect(page.getByTestId('devices-empty')).toContainText('Tokens');

  const sim = await lab.devices([
    { kind: 'relay', id: 'lamp-1' },
    { kind: 'relay', id: 'heater-1' },
    { kind: 'sensor', id: 'greenhouse-1' },
    { kind: 'sensor', id: 'garage-1' },
  ], ['--rate', '2']);
  const row = page.getByTestId('device-row-lamp-1');
  await expect(row).toBeVisible();
  await expect(page.getByTestId('device-online-lamp-1')).toHaveText('online');
  await expect(row).toContainText('127.0.0.1');
  await expect(page.getByTestId('devices-count')).toHaveText('4 of 4 devices');

  const toggle = page.getByTestId('control-lamp-1-relay1');
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  // the device really got the command and answered with its state
  await sim.out.waitFor(/^lamp-1 message from server .*relay1/);
  await page.waitForTimeout(1500); // let rates and telemetry fill in for the picture
  // README_SCREENSHOT=1 npm run test:e2e refreshes the README picture; plain runs leave git clean
  await screenshot(page, 'devices', process.env.README_SCREENSHOT ? 'docs/screenshot.png' : undefined);
  // the device page shows how long the relay took to confirm: from the command sent to its state report
  await row.getByRole('cell').first().click();
  await expect(page.getByTestId('device-title')).toContainText('lamp-1');
  await expect(page.getByTestId('detail-control-response')).toHaveText(/^p50 \d+ ms · p95 \d+ ms · 1 confirmed$/);

  await page.getByTestId('nav-traffic').click();
  await page.getByLabel('Traffic filter').fill('device:lamp-1');
  const rows = page.getByTestId('traffic-row');
  // the Payload column shows the message inside the envelope: the command out, the state report in
  await expect(rows.filter({ hasText: /control=relay1/ }).first()).toBeVisible();
  await expect(rows.filter({ hasText: /state\W+relay1=true/ }).first()).toBeVisible();
  await expect(rows.filter({ hasText: '➡ out' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: '⬅ in' }).first()).toBeVisible();
  await screenshot(page, 'traffic');
});
