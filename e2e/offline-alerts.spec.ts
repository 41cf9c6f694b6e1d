import { startSim, type Sim } from './fixtures/sim';
import { expect, screenshot, test, uid } from './fixtures/test';

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

test('an alert whose device comes back says so, then goes; Dismiss all clears the rest', async ({ page, lab }) => {
  await lab.api.call('settings.save', { settings: { offlineGraceSeconds: 1 } });
  const flaky = uid('alert-back');
  const gone = uid('alert-away');
  const tokens = { flaky: (await lab.api.call('tokens.create', { id: flaky })).token, gone: (await lab.api.call('tokens.create', { id: gone })).token };
  const flakySim = startSim(lab.host.tcpPort, [{ kind: 'relay', id: flaky, token: tokens.flaky }]);
  const goneSim = startSim(lab.host.tcpPort, [{ kind: 'sensor', id: gone, token: tokens.gone }]);
  let again: Sim | undefined;
  try {
    await lab.open(page);
    for (const id of [flaky, gone]) await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
    await Promise.all([flakySim.stop(), goneSim.stop()]);
    await expect(page.getByText(new RegExp(`^${flaky} is offline: `))).toBeVisible({ timeout: 10_000 });
    await expect(page.getByText(new RegExp(`^${gone} is offline: `))).toBeVisible({ timeout: 10_000 });

    again = startSim(lab.host.tcpPort, [{ kind: 'relay', id: flaky, token: tokens.flaky }]);
    const back = page.getByTestId('notice-info').filter({ hasText: `${flaky} is back online` });
    await expect(back).toBeVisible({ timeout: 10_000 });
    await expect(page.getByText(new RegExp(`^${flaky} is offline: `))).toHaveCount(0);
    await expect(back).toHaveCount(0, { timeout: 10_000 }); // info goes by itself
    await expect(page.getByText(new RegExp(`^${gone} is offline: `))).toBeVisible(); // still true, still there

    await again.stop(); // gone again: two warnings, and one button for both
    await expect(page.getByText(new RegExp(`^${flaky} is offline: `))).toBeVisible({ timeout: 10_000 });
    await screenshot(page, 'offline-alerts');
    await page.getByRole('button', { name: 'Dismiss all' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'is offline' })).toHaveCount(0);
  } finally {
    await again?.stop();
  }
});

test("where only a service worker may show notifications (Chrome on Android), the alert comes from the panel's worker", async ({ page, context, lab }) => {
  await lab.api.call('settings.save', { settings: { offlineGraceSeconds: 2 } });
  const gone = uid('alert-worker');
  const goneSim = await lab.devices([{ kind: 'relay', id: gone }]);
  await context.grantPermissions(['notifications']);
  // the browser of a phone: notifications allowed, turned on, the tab in the background, and
  // `new Notification()` refused as Chrome on Android refuses it
  await page.addInitScript(() => {
    localStorage.setItem('hypertcp.browserAlerts', 'on');
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    const real = window.Notification;
    const workerOnly = function Notification() {
      throw new TypeError("Failed to construct 'Notification': Illegal constructor.");
    };
    Object.defineProperty(workerOnly, 'permission', { get: () => real.permission });
    Object.defineProperty(workerOnly, 'requestPermission', { value: real.requestPermission.bind(real) });
    Object.defineProperty(window, 'Notification', { configurable: true, value: workerOnly });
  });
  await lab.open(page);
  await expect(page.getByTestId(`device-row-${gone}`)).toContainText('online');

  await goneSim.stop();
  const shown = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      const list = registration ? await registration.getNotifications() : [];
      return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, device: (n.data as { device?: string } | null)?.device }));
    });
  await expect.poll(shown, { timeout: 15_000 }).toEqual([
    { title: 'HyperTCP Panel', body: expect.stringMatching(new RegExp(`^${gone} is offline: .+ — for 2 s$`)), tag: `offline:${gone}`, device: gone },
  ]);
});
