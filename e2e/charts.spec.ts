import { contrast } from './fixtures/colour';
import { expect, screenshot, test, uid } from './fixtures/test';

// The charts' keyboard in a real browser: every chart is a Tab stop with a name, focus shows the
// newest point, the arrow, Home and End keys move the tooltip (a live region), also after the mouse
// has been over the chart, and the focus ring shows in both themes.
test('charts are reached by Tab, start at the newest point, move with the arrows, Home and End, and are ringed in both themes', async ({ page, lab }) => {
  await lab.devices([{ kind: 'sensor', id: uid('meter') }], ['--rate', '10']);
  await lab.open(page);
  await page.getByTestId('nav-metrics').click();
  const figure = page.getByTestId('chart-msgs');
  // three points at least, so there is a middle one to step through
  await expect(figure.locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[^L]+L[^L]+L/, { timeout: 15_000 });

  // every chart of the view is focusable and named after its title
  const figures = page.locator('figure.chart');
  await expect(page.getByRole('application', { name: /chart$/ })).toHaveCount(await figures.count());

  // the first chart is the next Tab stop after the toolbar
  await page.getByRole('button', { name: 'Export CSV' }).focus();
  await page.keyboard.press('Tab');
  const chart = page.getByRole('application', { name: 'Messages per second chart' });
  await expect(chart).toBeFocused();
  await expect(chart).toHaveAttribute('aria-describedby', /\S+ \S+/);

  // the chart holds still while focused, so its summary ("From <oldest> to <newest>.") names the ends
  const summary = await figure.getByTestId('chart-msgs-summary').textContent();
  const ends = /^From (\S+) to (\S+)\./.exec(summary ?? '');
  expect(ends).not.toBeNull();
  const [oldest, newest] = [ends![1]!, ends![2]!];
  const status = figure.getByRole('status');
  const time = status.locator('.recharts-tooltip-label');
  await expect(status).toBeVisible();
  await expect(time).toHaveText(newest);
  await expect(status).toHaveText(/\d\d:\d\d:\d\d.*in msgs\/s : \d+(\.\d+)?.*out msgs\/s : \d/);
  await expect(figure.locator('.recharts-reference-line')).toHaveCount(1);
  // The point moved is told by the cursor line's place: two samples a little under 1 s apart can
  // share a seconds label, so the label alone cannot say the point left the newest.
  const cursorX = () => figure.locator('.recharts-reference-line line').getAttribute('x1');
  const atNewest = await cursorX();
  await page.keyboard.press('ArrowLeft');
  await expect.poll(cursorX).not.toBe(atNewest);
  await page.keyboard.press('ArrowRight');
  await expect(time).toHaveText(newest);
  await expect.poll(cursorX).toBe(atNewest);
  await page.keyboard.press('Home');
  await expect(time).toHaveText(oldest);
  await page.keyboard.press('End');
  await expect(time).toHaveText(newest);
  await page.keyboard.press('PageDown');
  await expect.poll(cursorX).not.toBe(atNewest);
  await page.keyboard.press('PageUp');
  await expect(time).toHaveText(newest);
  await expect.poll(cursorX).toBe(atNewest);

  // the mouse over the plot takes over (recharts' own tooltip); the keys still move the point after it.
  // It goes to the newest point's place (the cursor line's): the window's older part may be a gap,
  // the time before the host started, which has no values to show.
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + Number(atNewest) - 1, box.y + box.height / 3);
  await expect(figure.locator('.recharts-tooltip-wrapper')).toBeVisible();
  await expect(status).toBeEmpty();
  await page.mouse.move(0, 0);
  await page.keyboard.press('Home');
  await expect(time).toHaveText(oldest);
  await page.keyboard.press('End');
  await expect(time).toHaveText(newest);

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

// The charts (recharts) are a chunk of their own: the panel paints its first view without it,
// fetches it once the page is idle, and a fetch that fails says so in each chart's place, with a
// reload (the browser keeps a failed import for the page's life), while the rest of the view works.
test('the charts come in their own chunk after the first paint, and a failed fetch says so in place and offers a reload', async ({ page, lab }) => {
  await lab.devices([{ kind: 'sensor', id: uid('chunk') }], ['--rate', '10']);
  const scripts: string[] = [];
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
  const entryEncoding = page.waitForResponse(/\/assets\/index-[\w-]+\.js$/).then((r) => r.headers()['content-encoding']);
  let refuse = true;
  await page.route(/\/assets\/ChartBody-[\w-]+\.js$/, (route) => (refuse ? route.abort('connectionrefused') : route.continue()));
  await lab.open(page);
  await expect(page.locator('[data-testid^="device-row-"]').first()).toBeVisible();
  // the entry script is the first; the charts' chunk is asked for only after it, at idle
  expect(scripts[0]).toMatch(/\/assets\/index-[\w-]+\.js$/);
  // compressed on the way: brotli, which Chromium offers on HTTPS and on loopback
  expect(await entryEncoding).toBe('br');
  await expect.poll(() => scripts.filter((s) => /ChartBody-/.test(s)).length).toBeGreaterThanOrEqual(1);

  await page.getByTestId('nav-metrics').click();
  const figure = page.getByTestId('chart-msgs');
  const failed = page.locator('figure.chart .chart-failed');
  await expect(figure.locator('.chart-failed')).toHaveText(/^The chart could not be fetched from the host\. Reload the panel$/);
  await expect(figure.locator('.chart-failed')).toHaveAttribute('title', /ChartBody-[\w-]+\.js/); // the browser's reason, on hover
  // the view around the charts is there and live: its title and the export button
  await expect(figure.locator('figcaption')).toHaveText('Messages per second');
  await expect(page.getByRole('button', { name: 'Export CSV' })).toBeEnabled();
  await screenshot(page, 'chart-chunk-failed');

  // every chart of the view says it, each in its place
  await expect(failed).toHaveCount(await page.locator('figure.chart').count());

  refuse = false;
  await figure.getByRole('button', { name: 'Reload the panel' }).click();
  // back on the same view (its address), the token kept for the tab, the charts drawn
  await expect(page.getByTestId('metrics-view')).toBeVisible();
  await expect(page.getByTestId('chart-msgs').locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M/, { timeout: 15_000 });
  await expect(failed).toHaveCount(0);
  await expect(page.getByRole('application', { name: /chart$/ })).toHaveCount(await page.locator('figure.chart').count());
});

// Seven live charts on the Metrics page, one or two on a phone's screen: those out of sight hold
// still (no redraw nobody sees) and catch up as they scroll in.
test('a chart out of sight holds still and catches up when scrolled into view', async ({ page, lab }) => {
  await lab.devices([{ kind: 'sensor', id: uid('scroll') }], ['--rate', '5']);
  await page.setViewportSize({ width: 390, height: 844 });
  await lab.open(page);
  await page.getByTestId('nav-metrics').click();
  const summary = (id: string) => page.getByTestId(`${id}-summary`).textContent();
  await expect(page.getByTestId('chart-errors')).toBeAttached();
  await page.waitForTimeout(1500); // every chart has drawn once
  // the fourth chart (errors: the UDP one is a note on this host, which has no UDP), screens down; both draw the host's samples, one a second
  const [visibleBefore, hiddenBefore] = [await summary('chart-msgs'), await summary('chart-errors')];
  await expect.poll(() => summary('chart-msgs'), { timeout: 5000 }).not.toBe(visibleBefore); // the window slides on screen
  await page.waitForTimeout(1500);
  expect(await summary('chart-errors'), 'the chart below the screen').toBe(hiddenBefore);
  await page.getByTestId('chart-errors').scrollIntoViewIfNeeded();
  await expect.poll(() => summary('chart-errors'), { timeout: 5000 }).not.toBe(hiddenBefore);
});
