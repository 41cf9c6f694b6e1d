import type { Page } from '@playwright/test';
import { expect, test, uid } from './fixtures/test';

/** The data-testid of the element that has the focus. */
const focusedId = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.tagName ?? null);

test('the device list by keyboard: one Tab stop, arrows between rows, Space and T switch the relay, Enter opens, Tab goes on past the list', async ({ page, lab }) => {
  const ids = [uid('kb-a'), uid('kb-b'), uid('kb-c')];
  await lab.devices(ids.map((id) => ({ kind: 'relay' as const, id })));
  await lab.open(page);
  await page.getByLabel('Search devices').fill('kb-');
  await expect(page.getByTestId('devices-count')).toHaveText(/^3 of/);

  // from the search field, Tab through the toolbar and the column headers into the list: its first row
  await page.getByLabel('Search devices').focus();
  let presses = 0;
  while (!(await focusedId(page))?.startsWith('device-row-') && presses < 30) {
    await page.keyboard.press('Tab');
    presses++;
  }
  expect(await focusedId(page)).toBe(`device-row-${ids[0]}`);
  // one more Tab leaves the list: no second row, no relay toggle in between
  await page.keyboard.press('Tab');
  const after = await focusedId(page);
  expect(after?.startsWith('device-row-') || after?.startsWith('control-')).toBe(false);
  expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="devices-scroller"]'))).toBe(false);
  // and Shift+Tab comes back to the row that was active
  await page.keyboard.press('Shift+Tab');
  expect(await focusedId(page)).toBe(`device-row-${ids[0]}`);

  await page.keyboard.press('ArrowDown');
  expect(await focusedId(page)).toBe(`device-row-${ids[1]}`);
  const toggle = page.getByTestId(`control-${ids[1]}-relay1`);
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  await page.keyboard.press('t');
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  expect(await focusedId(page)).toBe(`device-row-${ids[1]}`);
  await page.keyboard.press('End');
  expect(await focusedId(page)).toBe(`device-row-${ids[2]}`);
  await page.keyboard.press('Home');
  expect(await focusedId(page)).toBe(`device-row-${ids[0]}`);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('device-title')).toContainText(ids[0]!);
});
