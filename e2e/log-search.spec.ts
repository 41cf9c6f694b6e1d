import { expect, screenshot, test, uid } from './fixtures/test';

// A host whose filtered searches look back only 150 rows, so a rare match needs several calls.
const SCAN_ROWS = 150;
test.use({ hostArgs: ['--traffic-scan-rows', String(SCAN_ROWS)] });

test('searches the log further back by keyboard until the rare match and the oldest message', async ({ page, lab }) => {
  const relay = uid('rare');
  const sensor = uid('chatty');
  // the relay reports its state once on connect (the rare match), then the sensor buries it
  await lab.devices([{ kind: 'relay', id: relay }]);
  const chatty = await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '400', '--count', '700', '--quiet']);
  await chatty.out.waitFor(/^sim done/, 20_000, 'sim done');
  await lab.open(page);
  await page.getByTestId('nav-traffic').click();

  const filter = page.getByLabel('Traffic filter');
  await filter.fill(`device:${relay} dir:in cmd:json`);
  await filter.press('Enter'); // Enter searches the host's log with the filter
  const status = page.getByTestId('log-search-status');
  await expect(status).toHaveText(`Searched the newest ${SCAN_ROWS} messages (0 matches); no more matches yet.`);

  // keyboard only: Tab from the filter reaches "Search further back"
  const further = page.getByRole('button', { name: 'Search further back' });
  for (let i = 0; i < 10 && !(await further.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(further).toBeFocused();

  let presses = 0;
  while ((await status.getAttribute('data-stop')) === 'scan-limited' && presses < 20) {
    const before = await status.textContent();
    await page.keyboard.press('Enter');
    presses++;
    await expect(status).not.toHaveText(before ?? '');
    await expect(status).not.toHaveAttribute('data-stop', 'searching');
    if ((await status.getAttribute('data-stop')) === 'scan-limited') await expect(further).toBeFocused();
  }
  // about 700 sensor rows below the newest window: several calls, then the end of the log
  expect(presses).toBeGreaterThanOrEqual(3);
  await expect(status).toHaveAttribute('data-stop', 'end');
  await expect(status).toHaveText('Searched the whole log back to its oldest message: 1 match.');
  await expect(status).toBeFocused();
  await expect(page.getByTestId('search-further')).toHaveCount(0);
  const found = page.getByTestId('log-search-list').getByTestId('traffic-row');
  await expect(found).toHaveCount(1);
  await expect(found.first()).toContainText(relay);
  await screenshot(page, 'traffic-log-search');

  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(page.getByTestId('log-search')).toHaveCount(0);
});
