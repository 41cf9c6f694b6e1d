import type { Locator, Page } from '@playwright/test';
import { contrast } from './fixtures/colour';
import { expect, screenshot, test, tokenRow, uid } from './fixtures/test';

/** The desktop window's minimum size (electron/shell/window.ts). */
const MIN_WINDOW = { width: 800, height: 560 };

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
  const row = await tokenRow(page, long);
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

/** CIE76 colour difference of two computed `rgb(...)` colours, to keep chart series apart. */
function deltaE(a: string, b: string): number {
  const lab = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const [x, y, z] = [(0.4124 * r! + 0.3576 * g! + 0.1805 * bl!) / 0.95047, 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!, (0.0193 * r! + 0.1192 * g! + 0.9505 * bl!) / 1.08883];
    return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
}

/** The theme's palette variables as computed colours (resolved through a probe element). */
const palette = (page: Page, names: string[]) =>
  page.evaluate((vars) => {
    const probe = document.createElement('span');
    document.body.append(probe);
    const out: Record<string, string> = {};
    for (const v of vars) {
      probe.style.color = `var(${v})`;
      out[v] = getComputedStyle(probe).color;
    }
    probe.remove();
    return out;
  }, names);

const SERIES = Array.from({ length: 10 }, (_, i) => `--series-${i + 1}`);

test('palette contrast, both themes (WCAG 2.1): field boundaries 3:1, muted text 4.5:1 wherever it sits, chart series 3:1 on the chart and apart', async ({ page, lab }) => {
  const meter = uid('meter');
  await lab.devices([{ kind: 'sensor', id: meter }], ['--rate', '10']);
  await lab.open(page);
  const search = page.getByLabel('Search devices');
  const report: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.getByTestId('nav-devices').click();
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    const c = await palette(page, ['--bg', '--panel', '--row-hover', '--row-selected', '--muted', ...SERIES]);
    // a real field's boundary against the card (--panel) and the page (--bg) it sits on
    const border = await search.evaluate((e) => getComputedStyle(e).borderTopColor);
    for (const bg of ['--panel', '--bg']) {
      const r = contrast(border, c[bg]!);
      report.push(`${theme} field border on ${bg}: ${r.toFixed(2)}`);
      expect(r, `${theme}: field border ${border} on ${bg} ${c[bg]}`).toBeGreaterThanOrEqual(3);
    }
    for (const bg of ['--bg', '--panel', '--row-hover', '--row-selected']) {
      const r = contrast(c['--muted']!, c[bg]!);
      report.push(`${theme} muted on ${bg}: ${r.toFixed(2)}`);
      expect(r, `${theme}: muted ${c['--muted']} on ${bg} ${c[bg]}`).toBeGreaterThanOrEqual(4.5);
    }
    // chart series: every palette colour against the chart's background, and the lines really drawn
    await page.getByTestId('nav-metrics').click();
    const chart = page.getByTestId('chart-msgs');
    const line = chart.locator('path.recharts-line-curve').first();
    await expect(line).toHaveAttribute('d', /^M[^L]+L/, { timeout: 15_000 });
    const chartBg = await chart.evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(chartBg).toBe(c['--panel']);
    const drawn = await line.evaluate((e) => getComputedStyle(e).stroke);
    expect(drawn).toBe(c['--series-1']);
    for (const s of SERIES) {
      const r = contrast(c[s]!, chartBg);
      report.push(`${theme} ${s} on the chart: ${r.toFixed(2)}`);
      expect(r, `${theme}: ${s} ${c[s]} on ${chartBg}`).toBeGreaterThanOrEqual(3);
    }
    for (let i = 0; i < SERIES.length; i++)
      for (let j = i + 1; j < SERIES.length; j++) expect(deltaE(c[SERIES[i]!]!, c[SERIES[j]!]!), `${theme}: ${SERIES[i]} vs ${SERIES[j]}`).toBeGreaterThanOrEqual(20);
    // dark keeps the series colours it had
    if (theme === 'dark') {
      const before = ['#2f80ed', '#eb5757', '#27ae60', '#f2994a', '#9b51e0', '#56ccf2', '#bb6bd9', '#6fcf97', '#f2c94c', '#828282'];
      expect(SERIES.map((s) => c[s])).toEqual(before.map((h) => `rgb(${[1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)).join(', ')})`));
    }
  }
  console.log(report.join('\n'));
});

test("an offline device's full reason: read with its row, not cut at 1280 and 1440 px", async ({ page, lab }) => {
  const id = uid('cellar');
  const sim = await lab.devices([{ kind: 'relay', id }]);
  await lab.open(page);
  await sim.stop();
  const row = page.getByTestId(`device-row-${id}`);
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('offline');
  const since = row.locator('.cell.since');
  await expect(since).toContainText('(');
  const reason = (await since.textContent())!.match(/\(last reason: (.+)\)$/)![1]!;
  expect(reason.length).toBeGreaterThan(3);
  await expect(row).toHaveAccessibleDescription(new RegExp(reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  for (const width of [1280, 1440]) {
    await page.setViewportSize({ width, height: 800 });
    const box = await since.evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight }));
    expect(box.sw, `${width}: width`).toBeLessThanOrEqual(box.cw);
    expect(box.sh, `${width}: height (two lines at most, nothing clamped)`).toBeLessThanOrEqual(box.ch);
    await screenshot(page, `devices-offline-reason-${width}`);
  }
});


test('renaming a device at the minimum window size keeps its title on one line, the name field beside Save and Cancel', async ({ page, lab }) => {
  const id = uid('garage-door');
  await lab.devices([{ kind: 'relay', id }]);
  await page.setViewportSize(MIN_WINDOW);
  await lab.open(page);
  await page.getByTestId(`device-row-${id}`).click();
  await page.getByTestId('label-edit').click();
  const field = page.getByLabel('Device name');
  await expect(field).toBeFocused();
  const title = page.getByTestId('device-title');
  const lineHeight = await title.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.45);
  // the id was squeezed by the editor and broke at its hyphen onto a second line
  expect((await title.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);
  const [input, cancel] = [await field.boundingBox(), await page.getByRole('button', { name: 'Cancel' }).boundingBox()];
  expect(Math.abs(input!.y - cancel!.y)).toBeLessThan(8);
  await inside(page, page.getByRole('button', { name: 'Cancel' }), page.getByTestId('device-detail'));
  await screenshot(page, 'device-rename-min-window');
});

test('on a sensor\'s page the latest values and the chart range switch under them do not touch', async ({ page, lab }) => {
  const sensor = uid('probe');
  await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '4']);
  await lab.open(page);
  await page.getByTestId(`device-row-${sensor}`).click();
  const values = page.getByTestId('telemetry-values');
  const range = page.getByRole('group', { name: 'Telemetry range' });
  await expect(range).toBeVisible();
  const [v, r] = [await values.boundingBox(), await range.boundingBox()];
  expect(r!.y - (v!.y + v!.height)).toBeGreaterThanOrEqual(6);
});

test("a sensor's page fits the window in both themes, at 1280x800 and 800x600: the page scrolls inside, never the window", async ({ page, lab }) => {
  const sensor = uid('probe');
  await lab.devices([{ kind: 'sensor', id: sensor }], ['--rate', '4']);
  await page.setViewportSize({ width: 1280, height: 800 });
  await lab.open(page);
  await page.getByTestId(`device-row-${sensor}`).click();
  const detail = page.getByTestId('device-detail');
  // the charts' screen-reader summaries (absolute, no positioned figure) are what reached past the view
  await expect.poll(() => detail.locator('figure.chart').count()).toBeGreaterThanOrEqual(2);
  const overflow = () => page.evaluate(() => document.scrollingElement!.scrollHeight - window.innerHeight);
  for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 600 }]) {
    await page.setViewportSize(size);
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      expect(await overflow(), `${theme} ${size.width}x${size.height}: the window scrolls by`).toBeLessThanOrEqual(0);
      expect(await detail.evaluate((e) => e.scrollHeight > e.clientHeight), 'the page scrolls inside its view').toBe(true);
    }
  }
  await screenshot(page, 'device-sensor-800x600');
  // the Metrics view's charts, the same way
  await page.getByTestId('nav-metrics').click();
  await expect.poll(() => page.locator('figure.chart').count()).toBeGreaterThanOrEqual(2);
  expect(await overflow(), 'Metrics at 800x600: the window scrolls by').toBeLessThanOrEqual(0);
});

test('at 800 px the sidebar is an icon rail and the traffic table fits, Payload in view, with no sideways scroll', async ({ page, lab }) => {
  const meter = uid('meter');
  await lab.devices([{ kind: 'sensor', id: meter }], ['--rate', '10']);
  await page.setViewportSize({ width: 800, height: 700 });
  await lab.open(page);
  // the rail: each view button keeps its name (read by screen readers) and its shortcut in the tooltip
  const nav = page.getByRole('navigation', { name: 'Views' });
  expect((await nav.boundingBox())!.width).toBeLessThanOrEqual(64);
  for (const [name, key] of [['Devices', '1'], ['Traffic', '2'], ['Metrics', '3'], ['Commands', '4'], ['Tokens', '5'], ['Settings', '6']]) {
    const button = nav.getByRole('button', { name: new RegExp(`^${name}`) });
    await expect(button).toHaveAttribute('title', `${name} (${key})`);
    expect((await button.boundingBox())!.width).toBeLessThanOrEqual(56);
  }
  await page.getByRole('button', { name: 'Traffic' }).click();
  const table = page.getByTestId('traffic-list');
  await expect(table.getByTestId('traffic-row').first()).toBeVisible();
  const scroller = table.locator('.scroller');
  // enough rows for a vertical scrollbar, which takes its width from the row
  await expect.poll(() => scroller.evaluate((e) => e.scrollHeight > e.clientHeight), { timeout: 20_000 }).toBe(true);
  const overflow = await scroller.evaluate((e) => e.scrollWidth - e.clientWidth);
  expect(overflow, 'sideways scroll in the traffic list').toBeLessThanOrEqual(0);
  await inside(page, table.getByRole('columnheader', { name: 'Payload' }), table);
  // measured at once: the list follows new rows, so a row's element may be gone a moment later
  const cell = await table.evaluate((t) => {
    const payload = Array.from(t.querySelectorAll('[data-testid="traffic-row"] .payload')).at(-1)!.getBoundingClientRect();
    return { width: payload.width, right: payload.right, tableRight: t.getBoundingClientRect().right };
  });
  expect(cell.right).toBeLessThanOrEqual(cell.tableRight);
  expect(cell.width).toBeGreaterThanOrEqual(80);
  await screenshot(page, 'traffic-800');

  // an open message goes under the list, which keeps its width
  await table.getByTestId('traffic-row').last().click();
  const detail = page.getByTestId('message-detail');
  await expect(detail).toBeVisible();
  expect(await scroller.evaluate((e) => e.scrollWidth - e.clientWidth), 'sideways scroll with a message open').toBeLessThanOrEqual(0);
  const [list, pane] = [(await table.boundingBox())!, (await detail.boundingBox())!];
  expect(pane.y).toBeGreaterThanOrEqual(list.y + list.height);
  expect(pane.y + pane.height).toBeLessThanOrEqual(700);
  await screenshot(page, 'traffic-detail-800');

  // a wide window keeps the labelled sidebar
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(nav.getByText('Traffic', { exact: true })).toBeVisible();
  expect((await nav.boundingBox())!.width).toBeGreaterThanOrEqual(160);
});

// The headless panel on a phone (`--bind 0.0.0.0`): every view fits its width with no sideways
// scroll, and each list keeps what is used at a glance: a relay's toggle, who talks to whom, a
// token's actions. The rest is a tap away.
test('on a phone (390 px) every view fits without sideways scroll, the relay toggles from the list and the token actions are in reach', async ({ page, lab }) => {
  const relay = uid('lamp');
  const meter = uid('meter');
  await lab.devices([{ kind: 'relay', id: relay }, { kind: 'sensor', id: meter }], ['--rate', '5']);
  // a long label: it must be cut or wrapped, never widen a list past the screen
  await lab.api.call('devices.label', { id: meter, label: 'Greenhouse north wall temperature and humidity probe' });
  await page.setViewportSize({ width: 390, height: 844 });
  await lab.open(page);
  // polled: a chart measures its width a frame after it mounts
  const fits = async (what: string) => {
    await expect(page.locator('.view').first()).toBeVisible();
    const sideways = () => page.evaluate(() => Math.max(document.documentElement.scrollWidth - window.innerWidth, ...Array.from(document.querySelectorAll('.view, .scroller')).map((e) => e.scrollWidth - e.clientWidth)));
    await expect.poll(sideways, { message: `${what}: sideways scroll` }).toBeLessThanOrEqual(0);
  };

  const devices = page.getByRole('table', { name: 'Devices' });
  const toggle = devices.getByTestId(`control-${relay}-relay1`);
  await expect(toggle).toBeVisible();
  await inside(page, toggle, devices);
  const [head, at] = [await devices.getByText('Control', { exact: true }).boundingBox(), await toggle.boundingBox()];
  expect(Math.abs(head!.x - at!.x), 'Control heading above the toggle').toBeLessThan(24);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await fits('devices');
  await screenshot(page, 'phone-devices');

  await page.getByRole('button', { name: /^Traffic/ }).click();
  const traffic = page.getByTestId('traffic-list');
  await expect(traffic.getByTestId('traffic-row').first()).toBeVisible();
  await inside(page, page.getByLabel('Traffic filter'), page.locator('.view').first());
  await inside(page, traffic.getByRole('columnheader', { name: 'To' }), traffic);
  await fits('traffic');
  await screenshot(page, 'phone-traffic');
  await page.getByRole('button', { name: 'Conversations' }).click();
  await expect(page.getByTestId('conversation-row').first()).toBeVisible();
  await fits('conversations');

  await page.getByRole('button', { name: /^Metrics/ }).click();
  await inside(page, page.getByTestId('chart-msgs'), page.locator('.view').first());
  await expect(page.getByTestId('top-talkers').getByText(/^Greenhouse north wall/)).toBeVisible();
  await fits('metrics');

  await page.getByRole('button', { name: /^Tokens/ }).click();
  const row = page.getByTestId(`token-row-${relay}`);
  await inside(page, row.getByRole('button', { name: 'Revoke' }), page.locator('.view').first());
  await fits('tokens');
  await screenshot(page, 'phone-tokens');

  for (const view of ['Commands', 'Settings']) {
    await page.getByRole('button', { name: new RegExp(`^${view}`) }).click();
    await fits(view);
  }
  await page.getByRole('button', { name: /^Devices/ }).click();
  await page.getByTestId(`device-row-${meter}`).click();
  await expect(page.getByTestId('device-detail')).toBeVisible();
  await fits('device page');
});
