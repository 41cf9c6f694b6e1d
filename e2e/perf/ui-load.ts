/**
 * UI under load (issue 7): N simulated devices push M msg/s through the real broker for D seconds
 * while the panel runs in Chromium, cycling Traffic -> Devices (relay toggles) -> Metrics views.
 * Measures rAF frame intervals and long tasks, renderer memory (JS heap via CDP, renderer RSS via
 * /proc) and toggle latency. Not part of npm test: `npm run bench:ui -- [--duration 300]
 * [--rate 20000] [--devices 100] [--record]` (--record appends the result to docs/BENCHMARKS.md).
 */
import { loadavg } from 'node:os';
import { arg, LOAD_RELAY, loadLabDevice, log, runProbe, startLab, startLoad } from './lab';
import { DOC_NODES, drainFrames, FRAME_PROBE, measureToggle, percentile } from './page-probes';
import { rendererRssMiB } from './proc-mem';
import { recordSection } from './record';

const DURATION_S = arg('duration', 300);
const RATE = arg('rate', 20_000);
const DEVICES = arg('devices', 100);
const RECORD = process.argv.includes('--record');
const PHASE_S = 20;
const views = ['traffic', 'devices', 'metrics'] as const;
const SAMPLE_S = 10;
const MARKER = `--hypertcp-bench-${process.pid}`;

async function main() {
  const lab = await startLab({ devices: DEVICES, device: loadLabDevice, browserArgs: ['--disable-quic', MARKER] });
  const { api, browser } = lab;
  const page = await lab.newPage();
  page.on('crash', () => log('the page crashed'));
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  browser.on('disconnected', () => log('the browser went away'));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.addInitScript(FRAME_PROBE);
  await lab.open(page);

  const { sensors, perSensor } = await startLoad(lab, RATE, DURATION_S + 5);
  log(`load: ${sensors} sensors x ${perSensor} msg/s + 1 relay for ${DURATION_S} s`);

  const frames: number[] = [];
  const longTasks: number[] = [];
  // nodes: CDP's count, which includes nodes React removed that V8 has not collected yet (the
  // traffic list replaces its rows with every batch, thousands of nodes a second, so this follows
  // the GC's timing); docNodes: the nodes in the document, per view
  const memory: { t: number; view: string; heapMiB: number; rssMiB: number; pageMiB: number; nodes: number; docNodes: number }[] = [];
  const toggles: { answerMs: number; confirmMs: number }[] = [];
  const t0 = Date.now();
  const loadStart = loadavg()[0]!;
  let nextSample = t0;
  let phase = -1;
  while (Date.now() - t0 < DURATION_S * 1000) {
    const p = Math.floor((Date.now() - t0) / (PHASE_S * 1000));
    if (p !== phase) {
      phase = p;
      await page.getByTestId(`nav-${views[p % views.length]}`).click();
    }
    if (views[p % views.length] === 'devices') {
      const toggle = `control-${LOAD_RELAY}-relay1`;
      await page.getByTestId(toggle).waitFor({ timeout: 5000 }).catch(() => undefined);
      try {
        toggles.push(await measureToggle(page, toggle));
      } catch (err) {
        log(`toggle: ${(err as Error).message}`);
      }
    }
    if (Date.now() >= nextSample) {
      nextSample += SAMPLE_S * 1000;
      const s = await drainFrames(page);
      frames.push(...s.frames);
      longTasks.push(...s.longTasks);
      const m = (await cdp.send('Performance.getMetrics')).metrics;
      const get = (n: string) => m.find((x) => x.name === n)?.value ?? 0;
      const pss = rendererRssMiB(MARKER);
      const docNodes = (await page.evaluate(DOC_NODES)) as number;
      const mem = { t: Math.round((Date.now() - t0) / 1000), view: views[phase % views.length]!, docNodes, heapMiB: get('JSHeapUsedSize') / 2 ** 20, rssMiB: pss.rssMiB, pageMiB: pss.largestMiB, nodes: get('Nodes') };
      memory.push(mem);
      log(`${mem.t}s ${views[phase % views.length]} heap ${mem.heapMiB.toFixed(1)} MiB renderer PSS ${mem.pageMiB.toFixed(0)} MiB (all ${pss.processes} renderers ${mem.rssMiB.toFixed(0)} MiB) nodes ${mem.nodes} (in the document ${docNodes}) p95 frame ${percentile(s.frames, 95).toFixed(1)} ms long tasks ${s.longTasks.map((d) => Math.round(d)).join(',')}`);
    }
    await page.waitForTimeout(1000);
  }
  const loadEnd = loadavg()[0]!;
  const rest = await drainFrames(page);
  frames.push(...rest.frames);
  longTasks.push(...rest.longTasks);
  const series = await api.call('metrics.series', { range: '5m' });
  const window = series.filter((pt) => pt.ts >= t0 + 10_000);
  const delivered = window.length ? window.reduce((s, pt) => s + (pt.msgsIn ?? 0), 0) / window.length : NaN;
  const counters = (await api.call('traffic.page', { query: '', limit: 1 })).counters;

  await lab.stop();

  const firstMin = memory.filter((m) => m.t <= 60);
  const lastMin = memory.filter((m) => m.t >= memory[memory.length - 1]!.t - 60);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const result = {
    durationS: DURATION_S,
    loadAvgStart: loadStart,
    loadAvgEnd: loadEnd,
    devices: DEVICES,
    offeredMsgsPerS: perSensor * sensors,
    brokerInMsgsPerS: Math.round(delivered),
    hostCounters: counters,
    frames: frames.length,
    frameP50Ms: percentile(frames, 50),
    frameP95Ms: percentile(frames, 95),
    frameP99Ms: percentile(frames, 99),
    frameMaxMs: Math.max(...frames),
    longTasks: longTasks.length,
    longTaskMaxMs: longTasks.length ? Math.max(...longTasks) : 0,
    longTaskFreeShare: 1 - longTasks.reduce((a, b) => a + b, 0) / (DURATION_S * 1000),
    heapFirstMinMiB: avg(firstMin.map((m) => m.heapMiB)),
    heapLastMinMiB: avg(lastMin.map((m) => m.heapMiB)),
    heapMaxMiB: Math.max(...memory.map((m) => m.heapMiB)),
    rendererPssMaxMiB: Math.max(...memory.map((m) => m.pageMiB)),
    rendererPssFirstMinMiB: avg(firstMin.map((m) => m.pageMiB)),
    rendererPssLastMinMiB: avg(lastMin.map((m) => m.pageMiB)),
    allRenderersPssMaxMiB: Math.max(...memory.map((m) => m.rssMiB)),
    domNodesMax: Math.max(...memory.map((m) => m.nodes)),
    docNodesMaxByView: Object.fromEntries(views.map((v) => [v, Math.max(0, ...memory.filter((m) => m.view === v).map((m) => m.docNodes))])),
    toggles: toggles.length,
    toggleAnswerP95Ms: percentile(toggles.map((t) => t.answerMs), 95),
    toggleAnswerMaxMs: toggles.length ? Math.max(...toggles.map((t) => t.answerMs)) : NaN,
    toggleConfirmP95Ms: percentile(toggles.map((t) => t.confirmMs), 95),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (RECORD) record(result);
}

function record(r: Record<string, unknown> & { [k: string]: number | object }) {
  const f = (v: unknown, d = 1) => (typeof v === 'number' ? v.toFixed(d) : String(v));
  const n = r as Record<string, number>;
  const file = recordSection('ui-load', [
    '## UI under load (renderer in Chromium, headless host, simulated devices)',
    '',
    `Command: \`npm run bench:ui -- --duration ${n.durationS} --rate ${RATE} --devices ${n.devices} --record\` on ${new Date().toISOString().slice(0, 10)}, this 2-core machine shared with other jobs.`,
    `The page cycles Traffic -> Devices (relay toggles) -> Metrics every 20 s. Frame times are requestAnimationFrame intervals; long tasks from PerformanceObserver.`,
    `The load generator (simulator + broker + hub) shares the 2 cores with the browser (and with other jobs: 1-minute load average ${f(n.loadAvgStart)} at the start, ${f(n.loadAvgEnd)} at the end), so wall-clock frame times and long tasks include time the renderer waited for a CPU.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| offered load / broker msgs in per s (avg) | ${n.offeredMsgsPerS} / ${n.brokerInMsgsPerS} | 20,000 |`,
    `| frame interval p50 / p95 / p99 / max | ${f(n.frameP50Ms)} / ${f(n.frameP95Ms)} / ${f(n.frameP99Ms)} / ${f(n.frameMaxMs)} ms | p95 < 50 ms |`,
    `| long tasks (count, max) / long-task-free share of time | ${n.longTasks}, ${f(n.longTaskMaxMs, 0)} ms / ${((n.longTaskFreeShare ?? 0) * 100).toFixed(1)} % | |`,
    `| JS heap first minute / last minute / max | ${f(n.heapFirstMinMiB)} / ${f(n.heapLastMinMiB)} / ${f(n.heapMaxMiB)} MiB | flat |`,
    `| page renderer process PSS first minute / last minute / max | ${f(n.rendererPssFirstMinMiB, 0)} / ${f(n.rendererPssLastMinMiB, 0)} / ${f(n.rendererPssMaxMiB, 0)} MiB | < 300 MB |`,
    `| all renderer processes PSS max (page + spare) | ${f(n.allRenderersPssMaxMiB, 0)} MiB | |`,
    `| DOM nodes max: in the renderer (CDP, with nodes removed and not yet collected) / in the document on ${views.join(', ')} | ${n.domNodesMax} / ${views.map((v) => (r.docNodesMaxByView as Record<string, number>)[v]).join(', ')} | bounded |`,
    `| relay toggle: click to painted change p95 / max (n=${n.toggles}) | ${f(n.toggleAnswerP95Ms)} / ${f(n.toggleAnswerMaxMs)} ms | < 100 ms |`,
    `| relay toggle: click to confirmed state p95 | ${f(n.toggleConfirmP95Ms)} ms | |`,
    `| host traffic counters at the end (logged / dropped) | ${(r.hostCounters as { logged: number }).logged} / ${(r.hostCounters as { dropped: number }).dropped} | |`,
  ]);
  log(`recorded in ${file}`);
}

runProbe('ui-load', main);
