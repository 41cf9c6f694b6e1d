import type { Locator, Page } from '@playwright/test';
import { expect, screenshot, test, uid } from './fixtures/test';

/** The desktop window's minimum size (electron/shell/window.ts). */
const MIN_WINDOW = { width: 800, height: 560 };

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const colours = (el: Locator) => el.evaluate((e) => ({ fg: getComputedStyle(e).color, bg: getComputedStyle(e).backgroundColor }));

async function inside(page: Page, inner: Locator, outer: Locator) {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  expect(a && b).toBeTruthy();
  expect(a!.x).toBeGreaterThanOrEqual(b!.x);
  expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + b!.width);
  expect(a!.x + a!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test('at the minimum window size the device list keeps its Control column in view', async ({ page, lab }) => {
  const relay = uid('lamp');
  await lab.devices([{ kind: 'relay', id: relay }]);
  await page.setViewportSize(MIN_WINDOW);
  await lab.open(page);
  const row = page.getByTestId(`device-row-${relay}`);
  const toggle = row.getByTestId(`control-${relay}-relay1`);
  await expect(toggle).toBeVisible();
  await inside(page, toggle, page.getByRole('table', { name: 'Devices' }));
  // the header still lines up with the cells: Control's heading above the toggle
  const head = page.getByRole('table', { name: 'Devices' }).getByText('Control', { exact: true });
  const [h, t] = [await head.boundingBox(), await toggle.boundingBox()];
  expect(Math.abs(h!.x - t!.x)).toBeLessThan(24);
  await screenshot(page, 'devices-min-window');
});

test('a long device name wraps in the title and the back button stays on one line', async ({ page, lab }) => {
  const id = uid('very-long-device-identifier-for-the-bench-supply');
  await lab.devices([{ kind: 'relay', id }]);
  await lab.api.call('devices.label', { id, label: 'Workshop bench power supply with an unusually long description' });
  await page.setViewportSize({ width: 1024, height: 700 });
  await lab.open(page);
  await page.getByTestId(`device-row-${id}`).click();
  await expect(page.getByTestId('device-title')).toContainText(id);
  const back = page.getByRole('button', { name: '← Devices' });
  const lineHeight = await back.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight));
  const box = await back.boundingBox();
  // one line of text plus padding and border, not two stacked lines
  expect(box!.height).toBeLessThan(lineHeight * 2);
  await screenshot(page, 'device-detail-long-name');
});

test('the relay toggle when on is readable in both themes (text contrast 4.5:1)', async ({ page, lab }) => {
  const relay = uid('pump');
  await lab.devices([{ kind: 'relay', id: relay }]);
  await lab.open(page);
  const toggle = page.getByTestId(`control-${relay}-relay1`);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    const { fg, bg } = await colours(toggle);
    expect(contrast(fg, bg), `${theme}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  }
});

test('a 64-character device id neither pushes the token actions out of view nor widens the metrics device picker', async ({ page, lab }) => {
  const long = uid('x'.repeat(56)); // uid adds "-<pid>-<n>": up to 64 characters
  await lab.devices([{ kind: 'relay', id: long }]);
  await lab.api.call('devices.label', { id: long, label: 'Workshop bench power supply with an unusually long description' });
  await page.setViewportSize(MIN_WINDOW);
  await lab.open(page);

  await page.getByTestId('nav-tokens').click();
  const row = page.getByTestId(`token-row-${long}`);
  const [rotate, revoke] = [row.getByRole('button', { name: 'Rotate' }), row.getByRole('button', { name: 'Revoke' })];
  await expect(revoke).toBeVisible();
  await inside(page, revoke, page.getByTestId('tokens-table'));
  // side by side, not stacked
  expect(Math.abs((await rotate.boundingBox())!.y - (await revoke.boundingBox())!.y)).toBeLessThan(2);
  await screenshot(page, 'tokens-long-id-min-window');

  await page.getByTestId('nav-metrics').click();
  const picker = page.getByLabel('Metrics device');
  await expect(picker).toBeVisible();
  await inside(page, picker, page.getByTestId('metrics-view'));
});
