/**
 * Renderer memory around view switches (issue 7, "peaks when leaving Metrics"): under a steady
 * load, sits on a view, then switches and samples the JS heap right after the switch (garbage
 * included) and after a forced GC (what is retained). Repeats the cycle so a leak shows as a
 * growing retained heap. Not part of npm test:
 * `npx tsx e2e/perf/view-switch-memory.ts [--rate 2000] [--devices 20] [--cycles 3] [--dwell 20] [--static DIR]`.
 */
import { chromium, type Page } from '@playwright/test';
import { HostApi, startHost } from '../fixtures/host';
import { startSim, type SimDevice } from '../fixtures/sim';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const RATE = arg('rate', 2000);
const DEVICES = arg('devices', 20);
const CYCLES = arg('cycles', 3);
const DWELL_S = arg('dwell', 20);
const STATIC = process.argv.includes('--static') ? process.argv[process.argv.indexOf('--static') + 1] : undefined;
const log = (s: string) => process.stderr.write(`${s}\n`);

// a closed pipe (`| head`) must not kill the script before it stops its host and simulator
process.stdout.on('error', () => undefined);

async function main() {
  const host = await startHost(STATIC ? ['--static', STATIC] : []);
  const api = await HostApi.connect(host);
  const devices: SimDevice[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const id = `mem-s${String(i).padStart(3, '0')}`;
    devices.push({ kind: 'sensor', id, token: (await api.call('tokens.create', { id })).token });
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH === 'playwright' ? undefined : process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const sim = startSim(host.tcpPort, devices, ['--rate', String(Math.ceil(RATE / DEVICES)), '--quiet']);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
    const gcHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return heap();
    };
    const go = (p: Page, view: string) => p.getByTestId(`nav-${view}`).click();
    await page.goto(host.url);
    await page.getByTestId('host-status').and(page.locator('[data-status="open"]')).waitFor();
    await sim.out.waitFor(/connected/, 20_000);
    const rows: string[] = [];
    for (let c = 0; c < CYCLES; c++) {
      for (const [from, to] of [['metrics', 'traffic'], ['devices', 'traffic']] as const) {
        await go(page, from);
        await page.waitForTimeout((DWELL_S * 1000) / 2);
        const retainedOn = await gcHeap();
        await page.waitForTimeout((DWELL_S * 1000) / 2);
        // no forced GC here: the switch meets whatever garbage the view left, as in the UI load run
        const beforeSwitch = await heap();
        await go(page, to);
        let peak = 0;
        for (let i = 0; i < 10; i++) {
          await page.waitForTimeout(300);
          peak = Math.max(peak, await heap());
        }
        const retainedAfter = await gcHeap();
        rows.push(`${c} ${from}->${to}: on ${from} after GC ${retainedOn.toFixed(1)}, just before the switch ${beforeSwitch.toFixed(1)}, peak in 3 s after ${peak.toFixed(1)}, after GC on ${to} ${retainedAfter.toFixed(1)} MiB`);
        log(rows[rows.length - 1]!);
      }
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await browser.close();
    await sim.stop();
    api.close();
    await host.stop();
  }
}

main().catch((err: unknown) => {
  log(`view-switch-memory failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
