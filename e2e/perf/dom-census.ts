/**
 * Where the page's DOM nodes are, per view, under the UI-under-load traffic (ui-load.ts): for each
 * view, the CDP node count before and after a forced GC (bench:ui's "DOM nodes" is the first: it
 * counts nodes React already dropped that V8 has not collected yet), the nodes in the document,
 * and the subtrees holding the most. Not part of npm test:
 * `npx tsx e2e/perf/dom-census.ts [--dwell 8] [--rate 20000] [--devices 100] [--static DIR]`.
 */
import { arg, argText, LOAD_RELAY, loadLabDevice, log, runProbe, startLab, startLoad } from './lab';
import { COUNT_NODES } from './page-probes';

const DWELL_S = arg('dwell', 8);
const RATE = arg('rate', 20_000);
const DEVICES = arg('devices', 100);
const STATIC = argText('static');
/** views to visit in order (`device` is the relay's page), comma-separated */
const VIEWS = (argText('views') ?? 'traffic,devices,metrics,device,commands,tokens,settings,traffic,devices,metrics,traffic').split(',');

/** Installed before the app loads: counts the nodes inserted into the document (subtrees included), drained by CHURN. */
const CHURN_PROBE = `
  window.__added = 0;
  const size = ${COUNT_NODES};
  new MutationObserver((list) => { for (const m of list) for (const n of m.addedNodes) window.__added += size(n); })
    .observe(document, { childList: true, subtree: true });
`;
const CHURN = '(() => { const n = window.__added; window.__added = 0; return n; })()';

/** In-page (a string, so no bundler helpers leak in): node counts of the document and its biggest subtrees. */
const CENSUS = `(() => {
  const count = ${COUNT_NODES};
  const total = count(document);
  const name = (el) => el.tagName.toLowerCase() + (el.dataset && el.dataset.testid ? '[' + el.dataset.testid + ']' : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
  const big = [];
  const walk = (el, path, depth) => {
    for (const c of el.children) {
      const n = count(c);
      if (n < total * 0.04 || n < 40) continue;
      const p = path + ' > ' + name(c);
      big.push([n, p]);
      if (depth < 9) walk(c, p, depth + 1);
    }
  };
  walk(document.body, 'body', 0);
  const classes = {};
  for (const el of document.body.querySelectorAll('*')) {
    const k = name(el).replace(/\\[.*?\\]/, '');
    classes[k] = (classes[k] || 0) + 1;
  }
  const topClasses = Object.entries(classes).sort((a, b) => b[1] - a[1]).slice(0, 12);
  const charts = [...document.querySelectorAll('figure.chart')].map((f) => [f.querySelector('figcaption')?.textContent, count(f)]);
  return { total, elements: document.getElementsByTagName('*').length, big, topClasses, charts };
})()`;

interface Census {
  total: number;
  elements: number;
  big: [number, string][];
  topClasses: [string, number][];
  charts: [string, number][];
}

async function main() {
  const lab = await startLab({ devices: DEVICES, device: loadLabDevice, hostArgs: STATIC ? ['--static', STATIC] : [], browserArgs: ['--disable-quic'] });
  const page = await lab.newPage();
  const cdp = await page.context().newCDPSession(page);
  const domNodes = async () => (await cdp.send('Memory.getDOMCounters')).nodes;
  await page.addInitScript(CHURN_PROBE);
  await lab.open(page);
  const { sensors, perSensor } = await startLoad(lab, RATE, 600);
  log(`load: ${sensors} sensors x ${perSensor} msg/s + 1 relay; ${DWELL_S} s per view`);

  const nav = (v: string) => ({ view: v, open: () => page.getByTestId(`nav-${v}`).click() });
  const device = { view: 'device', open: async () => (await nav('devices').open(), await page.getByTestId(`device-row-${LOAD_RELAY}`).click()) };
  const visits = VIEWS.map((v) => (v === 'device' ? device : nav(v)));

  const rows: Record<string, number | string>[] = [];
  for (const v of visits) {
    await v.open();
    await page.waitForTimeout(1000);
    await page.evaluate(CHURN);
    const since = Date.now();
    let maxBeforeGc = 0;
    for (let t = 0; t < DWELL_S; t += 2) {
      await page.waitForTimeout(2000);
      maxBeforeGc = Math.max(maxBeforeGc, await domNodes());
    }
    const addedPerS = Math.round(((await page.evaluate(CHURN)) as number) / ((Date.now() - since) / 1000));
    const beforeGc = await domNodes();
    await cdp.send('HeapProfiler.collectGarbage');
    const afterGc = await domNodes();
    const c = (await page.evaluate(CENSUS)) as Census;
    rows.push({ view: v.view, addedPerS, maxBeforeGc, beforeGc, afterGc, inDocument: c.total, elements: c.elements });
    log(`\n== ${v.view}: ${addedPerS} nodes inserted per s; CDP nodes max ${maxBeforeGc} in the dwell, ${beforeGc} before GC, ${afterGc} after; in the document ${c.total} (${c.elements} elements)`);
    for (const [n, p] of c.big) log(`  ${String(n).padStart(6)}  ${p}`);
    log(`  by tag.class: ${c.topClasses.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    if (c.charts.length) log(`  charts: ${c.charts.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  }
  await lab.stop();
  process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
}

runProbe('dom-census', main);
