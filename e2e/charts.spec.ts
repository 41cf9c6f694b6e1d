import { contrast } from './fixtures/colour';
import { expect, screenshot, test, uid } from './fixtures/test';

// recharts' accessibility layer in a real browser: every chart is a Tab stop with a name, the
// arrow keys move its tooltip, and the focus ring shows in both themes.
test('charts are reached by Tab, ringed in both themes, and ArrowRight moves the tooltip to the next value', async ({ page, lab }) => {
  await lab.devices([{ kind: 'sensor', id: uid('meter') }], ['--rate', '10']);
  await lab.open(page);
  await page.getByTestId('nav-metrics').click();
  const figure = page.getByTestId('chart-msgs');
  // two points at least, so there is a next one to move to
  await expect(figure.locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[^L]+L/, { timeout: 15_000 });

  // every chart of the view is focusable and named after its title
  const figures = page.locator('figure.chart');
  await expect(page.getByRole('application', { name: /chart$/ })).toHaveCount(await figures.count());

  // the first chart is the next Tab stop after the toolbar
  await page.getByRole('button', { name: 'Export CSV' }).focus();
  await page.keyboard.press('Tab');
  const chart = page.getByRole('application', { name: 'Messages per second chart' });
  await expect(chart).toBeFocused();
  await expect(chart).toHaveAttribute('aria-describedby', /\S+ \S+/);

  // focus shows the first point's tooltip; ArrowRight the next point's, with its values
  const tooltip = figure.locator('.recharts-tooltip-wrapper');
  await expect(tooltip).toBeVisible();
  const status = tooltip.getByRole('status');
  await expect(status).toContainText(/in msgs\/s : \d/);
  const time = status.locator('.recharts-tooltip-label');
  const first = await time.textContent();
  await page.keyboard.press('ArrowRight');
  await expect(time).not.toHaveText(first!);
  await expect(status).toHaveText(/\d\d:\d\d:\d\d.*in msgs\/s : \d+(\.\d+)?.*out msgs\/s : \d/);

  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    const ring = await chart.evaluate((e) => ({ visible: e.matches(':focus-visible'), ...(({ outlineStyle, outlineWidth, outlineColor }) => ({ outlineStyle, outlineWidth, outlineColor }))(getComputedStyle(e)) }));
    const card = await figure.evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(ring, theme).toMatchObject({ visible: true, outlineStyle: 'solid', outlineWidth: '2px' });
    // WCAG 2.1 non-text contrast: the ring against the card it is drawn on
    expect(contrast(ring.outlineColor, card), `${theme}: ring ${ring.outlineColor} on ${card}`).toBeGreaterThanOrEqual(3);
    await screenshot(page, `chart-focus-${theme}`);
  }
  await expect(chart).toBeFocused();
});
