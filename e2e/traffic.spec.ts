import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, screenshot, test, uid } from './fixtures/test';

/** The toolbar's shown count, read whatever the locale's thousands separator ("1,234" is 1234). */
async function shownCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('count-shown').textContent())?.replace(/\D/g, ''));
}

test('filters and pauses traffic, opens a message as JSON tree, hex and diff, exports the filter as CSV', async ({ page, lab }) => {
  const sensor = uid('sensor');
  const relay = uid('relay');
  await lab.devices([{ kind: 'sensor', id: sensor }, { kind: 'relay', id: relay }], ['--rate', '4']);
  await lab.open(page);
  await page.getByTestId('nav-traffic').click();
  const rows = page.getByTestId('traffic-row');

  await page.getByLabel('Traffic filter').fill(`device:${sensor} dir:in`);
  await expect(rows.filter({ hasText: 'telemetry' }).nth(2)).toBeVisible();
  // the filter applies after a short typing pause: wait until only the sensor's frames are left
  await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes(sensor) && t.includes('⬅ in'))).toBe(true);
  await expect(rows.filter({ hasText: relay })).toHaveCount(0);

  // pause: new frames wait in the buffer, the list stays still; resume brings them in
  await page.getByTestId('pause-button').click();
  const frozen = await shownCount(page);
  await expect(page.getByTestId('pause-button')).toHaveText(/Resume \([1-9]\d* waiting\)/, { timeout: 10_000 });
  expect(await shownCount(page)).toBe(frozen);
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('p'); // the shortcut resumes
  await expect(page.getByTestId('pause-button')).toHaveText('Pause');
  await expect.poll(() => shownCount(page)).toBeGreaterThan(frozen);

  // detail pane: decoded header, collapsible JSON tree, hex, diff against the previous telemetry
  // (the newest telemetry row: the sensor's answer to a broker RTT probe is an 'in' row too)
  await rows.filter({ hasText: 'telemetry' }).last().click();
  const detail = page.getByTestId('message-detail');
  await expect(detail.getByTestId('message-header')).toContainText('JSON_MESSAGE (30)');
  await expect(detail).toContainText('telemetry');
  const firstToggle = detail.getByTestId('json-toggle').first();
  await firstToggle.click();
  await expect(firstToggle).toHaveAttribute('aria-expanded', 'false');
  await expect(detail).toContainText(/\d+ keys/);
  await firstToggle.click();
  await detail.getByRole('tab', { name: 'Hex' }).click();
  await expect(detail.getByTestId('message-hex')).toContainText('0000  7b');
  await detail.getByRole('tab', { name: 'Diff vs previous' }).click();
  await expect(detail.getByTestId('message-diff')).toContainText(/Against #\d+/);
  await screenshot(page, 'traffic-detail');

  // export of the current filter: every data row is the sensor's, inbound
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines.length).toBeGreaterThan(3);
  expect(lines[0]).toMatch(/seq|ts|time/i);
  for (const line of lines.slice(1)) {
    expect(line).toContain(sensor);
    expect(line).not.toContain(relay);
  }
});

test('traffic rows by keyboard: arrows move the active row, new frames do not move it, Enter opens it', async ({ page, lab }) => {
  const sensor = uid('kbsensor');
  await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '8']);
  await lab.open(page);
  await page.getByTestId('nav-traffic').click();
  const rows = page.getByTestId('traffic-row');
  await expect(rows.nth(5)).toBeVisible();
  const focusedText = () => page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid === 'traffic-row' ? document.activeElement!.textContent : null);

  // the newest row, then two up: the active row is now a message some way from the end
  await rows.last().click();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  const active = await focusedText();
  expect(active).toBeTruthy();
  // new frames arrive (the list follows them): the same message keeps the focus and is the only Tab stop
  const count = await shownCount(page);
  await expect.poll(() => shownCount(page), { timeout: 15_000 }).toBeGreaterThan(count + 5);
  expect(await focusedText()).toBe(active);
  await expect(page.getByTestId('traffic-list').locator('[data-testid="traffic-row"][tabindex="0"]')).toHaveCount(1);

  // Home reaches the oldest row (drawn although it was far out of view), Enter opens it in the detail pane
  await page.keyboard.press('Home');
  const oldest = await focusedText();
  expect(oldest).toBe(await rows.first().textContent());
  await page.keyboard.press('Enter');
  const msgId = (await page.evaluate(() => document.activeElement!.querySelectorAll('.cell')[5]!.textContent))!;
  await expect(page.getByTestId('message-detail')).toBeVisible();
  await expect(page.getByTestId('message-detail').getByTestId('message-header')).toContainText(msgId);
  await expect(page.getByTestId('traffic-list').locator('[aria-selected="true"]')).toHaveText(oldest!);
});

