/**
 * Renderer memory around view switches (issue 7, "peaks when leaving Metrics"): under a steady
 * load, sits on a view, then switches and samples the JS heap right after the switch (garbage
 * included) and after a forced GC (what is retained). Repeats the cycle so a leak shows as a
 * growing retained heap. Not part of npm test:
 * `npx tsx e2e/perf/view-switch-memory.ts [--rate 2000] [--devices 20] [--cycles 3] [--dwell 20] [--static DIR]`.
 */
import type { Page } from '@playwright/test';
import { arg, argText, log, numbered, runProbe, startLab } from './lab';

const RATE = arg('rate', 2000);
const DEVICES = arg('devices', 20);
const CYCLES = arg('cycles', 3);
const DWELL_S = arg('dwell', 20);
const STATIC = argText('static');

async function main() {
  const lab = await startLab({
    devices: DEVICES,
    device: numbered('mem-s', 'sensor'),
    simArgs: ['--rate', String(Math.ceil(RATE / DEVICES)), '--quiet'],
    hostArgs: STATIC ? ['--static', STATIC] : [],
  });
  const sim = lab.sims[0]!;
  try {
    const page = await lab.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async (name: string) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;
    const heap = async () => (await metric('JSHeapUsedSize')) / 2 ** 20;
    const gcHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return heap();
    };
    const go = (p: Page, view: string) => p.getByTestId(`nav-${view}`).click();
    await lab.open(page);
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
        // DOM nodes alive after the GC (detached ones a view left behind included)
        const nodes = await metric('Nodes');
        rows.push(`${c} ${from}->${to}: on ${from} after GC ${retainedOn.toFixed(1)}, just before the switch ${beforeSwitch.toFixed(1)}, peak in 3 s after ${peak.toFixed(1)}, after GC on ${to} ${retainedAfter.toFixed(1)} MiB, ${nodes} DOM nodes`);
        log(rows[rows.length - 1]!);
      }
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await lab.stop();
  }
}

runProbe('view-switch-memory', main);
