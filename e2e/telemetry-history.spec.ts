import { readFileSync } from 'node:fs';
import { expect, screenshot, test, uid } from './fixtures/test';

// The stored ranges include the current, unfinished minute (from the host's memory), so a sensor
// that has just started shows on the 1-hour chart at once; minute roll-up is unit-tested with a clock.
test('a sensor\'s telemetry shows on the 1-hour stored chart, average with min and max, and exports as CSV; after a reload Live starts from the host\'s recent readings', async ({ page, lab }) => {
  const sensor = uid('greenhouse');
  await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '4']);
  // the host has stored readings before the UI opens: this is not the window's live buffer
  await expect.poll(async () => (await lab.api.call('telemetry.series', { device: sensor, channel: 'temp', range: '1h' })).length, { timeout: 15_000 }).toBe(1);
  await lab.open(page);
  await page.getByTestId(`device-row-${sensor}`).click();
  await expect(page.getByTestId('telemetry-values')).toBeVisible();

  await page.getByRole('group', { name: 'Telemetry range' }).getByRole('button', { name: '1 hour' }).click();
  const chart = page.getByTestId('telemetry-stored-temp');
  await expect(chart).toBeVisible();
  await expect(chart.locator('figcaption')).toHaveText('Temperature (C)');
  await expect(page.getByTestId('telemetry-stored-temp-summary')).toContainText(/temp average: now -?\d.*; min: now -?\d.*; max: now -?\d/);
  // three series drawn: the average and the faint min and max (lines, or dots while there is one point)
  await expect(chart.locator('.recharts-legend-item')).toHaveCount(3);
  await expect(chart.locator('path.recharts-line-curve, .recharts-line-dot')).toHaveCount(3);
  // the value axis fits the readings (about 21 C) instead of starting at 0 as counts do
  const yTicks = (await chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).map(Number);
  expect(yTicks.length).toBeGreaterThan(1);
  expect(Math.min(...yTicks)).toBeGreaterThan(10);
  await screenshot(page, 'device-telemetry-1h');

  // Export CSV saves the range shown: a header, then temp rows with count
  const download = page.waitForEvent('download');
  await page.getByTestId('telemetry-export-csv').click();
  const lines = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('time,channel,avg,min,max,count');
  expect(lines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z,temp,-?[\d.]+,-?[\d.]+,-?[\d.]+,\d+$/.test(l))).toBe(true);

  // back to Live: the window's own charts
  await page.getByRole('button', { name: 'Live', exact: true }).click();
  await expect(page.getByTestId('telemetry-stored-temp')).toHaveCount(0);

  // Live starts from the host's recent readings (telemetry.recent): right after a reload the live
  // chart already spans readings from before it (the window alone would start at the reload)
  const clock = () => page.evaluate(() => {
    const d = new Date();
    return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
  });
  // the host has held the sensor's readings for a few seconds (a fast run gets here ~2 s after it started)
  await expect
    .poll(async () => {
      const temp = (await lab.api.call('telemetry.recent', { device: sensor })).find((s) => s.channel === 'temp');
      return Date.now() - (temp?.points[0]?.ts ?? Date.now());
    }, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(4_000);
  const reloadedAt = await clock();
  await page.reload();
  await expect(page.getByTestId('host-status')).toHaveAttribute('data-status', 'open');
  await page.getByTestId('nav-devices').click();
  await page.getByTestId(`device-row-${sensor}`).click();
  const summary = page.getByTestId('telemetry-live-temp-summary');
  await expect(summary).toHaveText(/^From \d\d:\d\d:\d\d to /);
  const [, h, m, sec] = /^From (\d\d):(\d\d):(\d\d)/.exec((await summary.textContent()) ?? '')!;
  const from = Number(h) * 3600 + Number(m) * 60 + Number(sec);
  // seconds before the reload, across midnight too
  expect((reloadedAt - from + 86_400) % 86_400).toBeGreaterThanOrEqual(2);
  expect((reloadedAt - from + 86_400) % 86_400).toBeLessThan(300);
});
