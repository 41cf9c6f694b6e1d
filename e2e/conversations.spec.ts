import { expect, screenshot, test, uid } from './fixtures/test';

test('Traffic, Conversations: a simulated sensor reporting to the server is a pair whose count grows; Enter shows it in the log', async ({ page, lab }) => {
  const sensor = uid('convsensor');
  await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '5']);
  await lab.open(page);
  await page.getByTestId('nav-traffic').click();
  await page.getByTestId('traffic-mode-conversations').click();
  await expect(page.getByTestId('traffic-mode-conversations')).toHaveAttribute('aria-pressed', 'true');

  const row = page.getByTestId('conversation-row').filter({ hasText: sensor });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').nth(1)).toHaveText('server');
  const count = async () => Number(await row.getByTestId('conversation-messages').textContent());
  const first = await count();
  expect(first).toBeGreaterThan(0);
  // polled every 2 s: the sensor keeps reporting, so its count goes up without a reload
  await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(first);
  await expect(row.getByRole('cell').nth(5)).toHaveText(/^[1-9]\d*\.\d\/s$|^0\.[1-9]\/s$/);
  await screenshot(page, 'traffic-conversations');

  // the keyboard opens it: the list is one Tab stop (roving tabindex), its focused row the active
  // one; Enter on it goes back to the log, filtered to this conversation
  await expect(page.getByTestId('conversation-row').and(page.locator('[tabindex="0"]'))).toHaveCount(1);
  await row.focus();
  await expect(row).toHaveAttribute('tabindex', '0');
  await expect(row).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('traffic-mode-log')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByLabel('Traffic filter')).toHaveValue(`from:${sensor} to:server`);
  const rows = page.getByTestId('traffic-row');
  await expect(rows.first()).toBeVisible();
  await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes(sensor) && t.includes('server'))).toBe(true);
});
