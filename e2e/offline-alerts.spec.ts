import { expect, test, uid } from './fixtures/test';

// its own host: the offline grace is a host-wide setting
test.use({ ownHost: true });

test('a device that stays offline past the grace raises one alert (the devices still online none), and Open device goes to its page', async ({ page, lab }) => {
  await lab.api.call('settings.save', { settings: { offlineGraceSeconds: 2 } });
  const gone = uid('alert-gone');
  const stays = uid('alert-stays');
  const goneSim = await lab.devices([{ kind: 'relay', id: gone }]);
  await lab.devices([{ kind: 'sensor', id: stays }]);
  await lab.open(page);
  await expect(page.getByTestId(`device-row-${gone}`)).toContainText('online');

  await goneSim.stop();
  const row = page.getByTestId(`device-row-${gone}`);
  await expect(row).toContainText('offline');
  // why it dropped, in words in the list
  await expect(row).not.toContainText('_');
  const alert = page.getByText(new RegExp(`^${gone} is offline: .+ — for 2 s$`));
  await expect(alert).toBeVisible({ timeout: 10_000 });
  // the only alert: the sensor never left
  await expect(page.getByText(/is offline:/)).toHaveCount(1);
  await page.getByRole('button', { name: 'Open device' }).click();
  await expect(page.getByTestId('device-title')).toContainText(gone);
});
