/**
 * Soak: a lab runs for a long time while the panel stays open, and nothing may grow without bound.
 * N simulated devices (relays and sensors) send R msg/s each through the real broker into the hub's
 * SQLite file for D seconds; the traffic log's size cap is set low so retention deletes run all
 * along; the page cycles Traffic -> Devices -> Metrics, a view every `--view-s` seconds (300).
 * Every 30 s it samples the host's memory (PSS), the database and write-ahead log sizes, the stored row count, the hub's
 * slowest write round, the page's JS heap and DOM nodes after a forced garbage collection.
 * Reports the host's first and last 5 minutes and its growth per hour over the second half (least
 * squares), and each view of the page on its first and its last visit. Not part of npm test:
 * `npm run build:renderer && npm run build:sim && npx tsx e2e/perf/soak.ts [--duration 1800]
 * [--devices 100] [--rate 2] [--cap-mb 20] [--view-s 300] [--record]`.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { arg, log, runProbe, startLab } from './lab';
import { largestPssMiB } from './proc-mem';
import { recordSection } from './record';

const DURATION_S = arg('duration', 1800);
const DEVICES = arg('devices', 100);
const RATE = arg('rate', 2);
const CAP_MB = arg('cap-mb', 20);
const RECORD = process.argv.includes('--record');
const SAMPLE_S = 30;
const VIEW_S = arg('view-s', 300);

interface Sample {
  t: number;
  view: string;
  hostMiB: number;
  dbMiB: number;
  walMiB: number;
  rows: number;
  dropped: number;
  slowestWriteMs: number;
  heapMiB: number;
  nodes: number;
}

/** Least-squares slope of y over t (per second). */
function slope(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return num / den;
}

async function main() {
  const lab = await startLab({
    devices: DEVICES,
    device: (i) => (i % 4 === 0 ? { kind: 'relay', id: `soak-r${String(i).padStart(3, '0')}` } : { kind: 'sensor', id: `soak-s${String(i).padStart(3, '0')}` }),
  });
  const { api } = lab;
  await api.call('settings.save', { settings: { retentionMegabytes: CAP_MB } });
  const page = await lab.newPage();
  page.on('crash', () => log('the page crashed'));
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await lab.open(page);
  lab.startSims(['--rate', String(RATE), '--quiet', '--duration', String(DURATION_S + 10)]);
  log(`soak: ${DEVICES} devices x ${RATE} msg/s for ${DURATION_S} s, traffic log capped at ${CAP_MB} MB`);

  const views = ['traffic', 'devices', 'metrics'] as const;
  const samples: Sample[] = [];
  const t0 = Date.now();
  let view = -1;
  while (Date.now() - t0 < DURATION_S * 1000) {
    const elapsed = (Date.now() - t0) / 1000;
    const v = Math.floor(elapsed / VIEW_S);
    if (v !== view) {
      view = v;
      await page.getByTestId(`nav-${views[v % views.length]}`).click();
    }
    const stats = await api.call('storage.stats', {});
    // after a full collection: the heap and node counts that are alive, not the garbage not yet collected
    await cdp.send('HeapProfiler.collectGarbage');
    const m = (await cdp.send('Performance.getMetrics')).metrics;
    const get = (n: string) => m.find((x) => x.name === n)?.value ?? 0;
    const size = (f: string) => {
      try {
        return statSync(f).size / 2 ** 20;
      } catch {
        return 0;
      }
    };
    const db = join(lab.host.dir, 'panel.db');
    const s: Sample = {
      t: Math.round(elapsed),
      view: views[view % views.length]!,
      hostMiB: largestPssMiB(lab.host.dir),
      dbMiB: size(db),
      walMiB: size(`${db}-wal`),
      rows: stats.traffic.rows,
      dropped: stats.traffic.dropped,
      slowestWriteMs: stats.writes.slowestMs,
      heapMiB: get('JSHeapUsedSize') / 2 ** 20,
      nodes: get('Nodes'),
    };
    samples.push(s);
    log(`${s.t}s ${views[view % views.length]} host ${s.hostMiB.toFixed(0)} MiB db ${s.dbMiB.toFixed(1)} + wal ${s.walMiB.toFixed(1)} MiB rows ${s.rows} dropped ${s.dropped} slowest write ${s.slowestWriteMs.toFixed(0)} ms page heap ${s.heapMiB.toFixed(1)} MiB nodes ${s.nodes}`);
    await page.waitForTimeout(SAMPLE_S * 1000);
  }
  const counters = (await api.call('traffic.page', { query: '', limit: 1 })).counters;
  await lab.stop();

  const end = samples.at(-1)!.t;
  const first = samples.filter((s) => s.t <= 300);
  const last = samples.filter((s) => s.t >= end - 300);
  const half = samples.filter((s) => s.t >= end / 2);
  const avg = (xs: Sample[], k: Exclude<keyof Sample, 'view'>) => xs.reduce((a, s) => a + s[k], 0) / Math.max(1, xs.length);
  type NumberKey = Exclude<keyof Sample, 'view'>;
  const perHour = (k: NumberKey) => slope(half.map((s) => ({ t: s.t, y: s[k] }))) * 3600;
  const max = (k: NumberKey) => Math.max(...samples.map((s) => s[k]));
  // Each view holds different things, so the page is compared with itself: the same view's samples
  // on its first visit and on its last.
  const visits = (v: string): Sample[][] => {
    const runs: Sample[][] = [];
    samples.forEach((s, i) => {
      if (s.view !== v) return;
      if (i === 0 || samples[i - 1]!.view !== v) runs.push([]);
      runs.at(-1)!.push(s);
    });
    return runs;
  };
  const perView = views.map((v) => {
    const runs = visits(v);
    return { view: v, visits: runs.length, firstHeapMiB: avg(runs[0] ?? [], 'heapMiB'), lastHeapMiB: avg(runs.at(-1) ?? [], 'heapMiB'), firstNodes: avg(runs[0] ?? [], 'nodes'), lastNodes: avg(runs.at(-1) ?? [], 'nodes') };
  });
  const result = {
    durationS: end,
    devices: DEVICES,
    offeredMsgsPerS: DEVICES * RATE,
    capMb: CAP_MB,
    logged: counters.logged,
    dropped: counters.dropped,
    host: { firstMiB: avg(first, 'hostMiB'), lastMiB: avg(last, 'hostMiB'), maxMiB: max('hostMiB'), perHourMiB: perHour('hostMiB') },
    db: { firstMiB: avg(first, 'dbMiB'), lastMiB: avg(last, 'dbMiB'), maxMiB: max('dbMiB'), walMaxMiB: max('walMiB'), perHourMiB: perHour('dbMiB') },
    rows: { last: samples.at(-1)!.rows, max: max('rows') },
    slowestWriteMs: max('slowestWriteMs'),
    page: { maxHeapMiB: max('heapMiB'), maxNodes: max('nodes'), perView },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (RECORD) record(result);
}

function record(r: {
  durationS: number;
  devices: number;
  offeredMsgsPerS: number;
  capMb: number;
  logged: number;
  dropped: number;
  host: Record<string, number>;
  db: Record<string, number>;
  rows: Record<string, number>;
  slowestWriteMs: number;
  page: { maxHeapMiB: number; maxNodes: number; perView: { view: string; visits: number; firstHeapMiB: number; lastHeapMiB: number; firstNodes: number; lastNodes: number }[] };
}) {
  const f = (v: number, d = 1) => v.toFixed(d);
  const file = recordSection('soak', [
    '## Soak (headless host, simulated devices, the panel open in Chromium)',
    '',
    `Command: \`npx tsx e2e/perf/soak.ts --duration ${DURATION_S} --devices ${r.devices} --rate ${RATE} --cap-mb ${r.capMb} --view-s ${VIEW_S} --record\` (after \`npm run build:renderer && npm run build:sim\`) on ${new Date().toISOString().slice(0, 10)}.`,
    `${r.devices} simulated devices (a quarter relays, the rest sensors) send ${r.offeredMsgsPerS} msg/s in total for ${Math.round(r.durationS / 60)} minutes; the traffic log is capped at ${r.capMb} MB so retention deletes run throughout; the page cycles Traffic -> Devices -> Metrics, a view every ${VIEW_S} s. Growth per hour is the least-squares slope over the second half.`,
    '',
    '| measure | first 5 min | last 5 min | max | growth per hour |',
    '|---|---:|---:|---:|---:|',
    `| host process PSS | ${f(r.host.firstMiB!, 0)} MiB | ${f(r.host.lastMiB!, 0)} MiB | ${f(r.host.maxMiB!, 0)} MiB | ${f(r.host.perHourMiB!)} MiB |`,
    `| database file (write-ahead log max ${f(r.db.walMaxMiB!)} MiB) | ${f(r.db.firstMiB!)} MiB | ${f(r.db.lastMiB!)} MiB | ${f(r.db.maxMiB!)} MiB | ${f(r.db.perHourMiB!)} MiB |`,
    '',
    `The page, after a full garbage collection, each view against itself (max over the run: ${f(r.page.maxHeapMiB)} MiB of JS heap, ${r.page.maxNodes} DOM nodes):`,
    '',
    '| view | visits | JS heap, first visit | JS heap, last visit | DOM nodes, first visit | DOM nodes, last visit |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.page.perView.map((v) => `| ${v.view} | ${v.visits} | ${f(v.firstHeapMiB)} MiB | ${f(v.lastHeapMiB)} MiB | ${f(v.firstNodes, 0)} | ${f(v.lastNodes, 0)} |`),
    '',
    `Traffic rows logged ${r.logged.toLocaleString('en-US')}, dropped ${r.dropped}; stored rows at the end ${r.rows.last!.toLocaleString('en-US')} (max ${r.rows.max!.toLocaleString('en-US')}); slowest write round ${f(r.slowestWriteMs, 0)} ms.`,
  ]);
  log(`recorded in ${file}`);
}

runProbe('soak', main);
