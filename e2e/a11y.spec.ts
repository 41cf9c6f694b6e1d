import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { contrast } from './fixtures/colour';
import { expect, test, uid } from './fixtures/test';

/**
 * What an axe scan (WCAG 2.1 A and AA) finds, one line per rule and element, so a failure says what
 * to fix. `within`: scan only that part (a dialog over a page already scanned).
 */
async function violations(page: Page, where: string, within?: string): Promise<string[]> {
  const axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const result = await (within ? axe.include(within) : axe).analyze();
  return result.violations.flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} at ${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1]?.trim() ?? v.help}`));
}

test('every view, the traffic conversations, the command palette and the forget dialog pass an axe scan (WCAG 2.1 AA) in the light and the dark theme', async ({ page, lab }) => {
  test.setTimeout(120_000); // twelve full-page axe scans and two more: about 50 s alone on 2 cores
  const relay = uid('lamp');
  const sensor = uid('probe');
  await lab.devices([{ kind: 'relay', id: relay }, { kind: 'sensor', id: sensor }], ['--rate', '4']);
  await lab.open(page);
  await expect(page.getByTestId(`device-row-${sensor}`)).toBeVisible();
  const found: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    for (const view of ['devices', 'traffic', 'metrics', 'commands', 'tokens', 'settings']) {
      await page.getByTestId(`nav-${view}`).click();
      await expect(page.getByTestId(`nav-${view}`)).toHaveAttribute('aria-current', 'page');
      found.push(...(await violations(page, `${theme} ${view}`)));
    }
    await page.getByTestId('nav-traffic').click();
    await page.getByRole('button', { name: 'Conversations' }).click();
    await expect(page.getByTestId('conversation-row').first()).toBeVisible();
    found.push(...(await violations(page, `${theme} conversations`)));
    await page.getByRole('button', { name: 'Log', exact: true }).click();

    await page.keyboard.press('Control+k');
    await expect(page.getByRole('dialog')).toBeVisible();
    found.push(...(await violations(page, `${theme} palette`, '[role="dialog"]')));
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-devices').click();
    await page.getByTestId(`device-row-${sensor}`).click();
    await expect(page.getByTestId('telemetry-values')).toBeVisible();
    found.push(...(await violations(page, `${theme} device page`)));
    await page.getByRole('button', { name: 'Forget device' }).click();
    await expect(page.getByTestId('forget-confirm')).toBeVisible();
    found.push(...(await violations(page, `${theme} forget dialog`, '[role="dialog"]')));
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('forget-confirm')).toHaveCount(0);
  }
  expect(found).toEqual([]);
});

test('the first Tab shows "Skip to content"; Enter on it skips the six view buttons to the page', async ({ page, lab }) => {
  await lab.open(page);
  // the Tokens view (shortcut 5, focus stays on the page): a field to land on even in an empty lab
  await page.keyboard.press('5');
  await expect(page.getByTestId('tokens-view')).toBeVisible();
  const skip = page.getByRole('link', { name: 'Skip to content' });
  // hidden until focused: out of the viewport
  expect((await skip.boundingBox())!.y + (await skip.boundingBox())!.height).toBeLessThanOrEqual(0);
  await page.keyboard.press('Tab');
  await expect(skip).toBeFocused();
  const shown = (await skip.boundingBox())!;
  expect(shown.y).toBeGreaterThanOrEqual(0);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  expect(await page.evaluate(() => location.hash)).not.toBe('#main');
  await page.keyboard.press('Tab');
  // the next stop is inside the page, not a navigation button
  await expect(page.getByLabel('New device id')).toBeFocused();
});

test('a sortable column header and a segmented switch show their focus ring inside the box that clips them', async ({ page, lab }) => {
  await lab.devices([{ kind: 'relay', id: uid('lamp') }]);
  await lab.open(page);
  /** Keyboard focus on `target` (Tab from the element before it, so :focus-visible applies), then its outline. */
  const ringOf = async (target: ReturnType<Page['locator']>) => {
    await target.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await expect(target).toBeFocused();
    return target.evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineOffset}`;
    });
  };
  // .cell and .segmented have overflow: hidden: an outline drawn outside the button is cut away
  await expect(page.getByRole('columnheader').first()).toBeVisible();
  expect(await ringOf(page.getByRole('columnheader').locator('button').nth(1))).toBe('solid -2px');
  await page.getByTestId('nav-metrics').click();
  expect(await ringOf(page.getByRole('group', { name: 'Time range' }).getByRole('button').nth(1))).toBe('solid -2px');
});

test('light theme: coloured text passes 4.5:1 where it sits (JSON numbers, a selected "out" row, the chart tooltip values)', async ({ page, lab }) => {
  const relay = uid('lamp');
  const sensor = uid('probe');
  await lab.devices([{ kind: 'relay', id: relay }, { kind: 'sensor', id: sensor }], ['--rate', '4']);
  await lab.open(page);
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  /** Text colour against the first opaque background behind it. */
  const ratio = (el: ReturnType<Page['locator']>) =>
    el.evaluate((e) => {
      let bg = e as Element | null;
      while (bg && /rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(bg).backgroundColor)) bg = bg.parentElement;
      return { fg: getComputedStyle(e).color, bg: bg ? getComputedStyle(bg).backgroundColor : 'rgb(255, 255, 255)' };
    });
  const found: string[] = [];
  const check = async (what: string, el: ReturnType<Page['locator']>) => {
    const { fg, bg } = await ratio(el);
    const r = contrast(fg, bg);
    if (r < 4.5) found.push(`${what}: ${fg} on ${bg} = ${r.toFixed(2)}`);
  };

  // an "out" row: the relay switched from the list, then selected in the traffic log
  await page.getByTestId(`control-${relay}-relay1`).click();
  await page.getByTestId('nav-traffic').click();
  // filtered to this test's devices: a host shared with earlier tests has many more rows than are drawn
  const filter = page.getByLabel('Traffic filter');
  await filter.fill(`device:${relay} dir:out`);
  const out = page.locator('.traffic-row.dir-out', { hasText: relay }).first();
  await out.click();
  await page.mouse.move(0, 0); // not hovered: the selected row's own background
  await expect(out).toHaveClass(/selected/);
  await check('selected out row, direction', out.locator('[role="cell"]').nth(1));
  // a sensor's reading: JSON numbers in the detail pane
  await filter.fill(`device:${sensor} dir:in`);
  await page.locator('.traffic-row.dir-in', { hasText: sensor }).first().click();
  const number = page.getByTestId('message-detail').locator('.json-number').first();
  await expect(number).toBeVisible();
  await check('JSON number', number);

  // the chart's tooltip (the keyboard's, a live region): each value beside its series
  await page.getByTestId('nav-metrics').click();
  const figure = page.getByTestId('chart-msgs');
  await expect(figure.locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[^L]+L/, { timeout: 15_000 });
  await page.getByRole('application', { name: 'Messages per second chart' }).focus();
  const items = figure.getByRole('status').locator('.recharts-tooltip-item');
  await expect(items.first()).toBeVisible();
  for (let i = 0; i < (await items.count()); i++) await check(`chart tooltip item ${i + 1}`, items.nth(i));
  expect(found).toEqual([]);
});
