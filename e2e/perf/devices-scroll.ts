/**
 * Devices view with many devices (issue 7: "5,000 devices scroll smoothly"): N simulated relays
 * log in, the page scrolls the list top to bottom with the mouse wheel, and we report the rAF
 * frame intervals, long tasks and DOM size. Not part of npm test:
 * `npx tsx e2e/perf/devices-scroll.ts [--devices 5000] [--record]` (--record: docs/BENCHMARKS.md).
 */
import { loadavg } from 'node:os';
import { arg, log, numbered, runProbe, startLab } from './lab';
import { drainFrames, FRAME_PROBE, percentile } from './page-probes';
import { recordSection } from './record';

const N = arg('devices', 5000);

async function main() {
  const lab = await startLab({ devices: N, device: numbered('rack-', 'relay', 5), simArgs: ['--quiet'] });
  const devices = lab.devices;
  try {
    const page = await lab.newPage();
    await page.addInitScript(FRAME_PROBE);
    await page.goto(lab.host.url);
    const count = page.getByTestId('devices-count');
    const t0 = Date.now();
    while (!/^(\d+) of \1 devices$/.test((await count.textContent().catch(() => '')) ?? '') || !(await count.textContent())?.startsWith(`${N} `)) {
      if (Date.now() - t0 > 120_000) throw new Error(`only ${await count.textContent()} after 120 s`);
      await page.waitForTimeout(500);
    }
    // steady state: wait until (nearly) all sessions are online, as the sidebar counts them
    const onlineNow = async () => Number(/(\d+)\//.exec((await page.getByTestId('nav-devices').textContent()) ?? '')?.[1] ?? 0);
    while ((await onlineNow()) < N * 0.99 && Date.now() - t0 < 90_000) await page.waitForTimeout(500);
    log(`${N} devices listed, ${await onlineNow()} online after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.waitForTimeout(2000);
    const onlineAtStart = await onlineNow();
    await drainFrames(page);
    await page.getByTestId('devices-scroller').hover();
    const start = Date.now();
    // 40 px rows: wheel through the whole list in steps of 600 px
    for (let y = 0; y < N * 40; y += 600) await page.mouse.wheel(0, 600);
    const s = await drainFrames(page);
    const nodes = await page.evaluate('document.getElementsByTagName("*").length');
    const last = await page.getByTestId(`device-row-${devices[N - 1]!.id}`).count();
    const r = {
      devices: N,
      scrollSeconds: (Date.now() - start) / 1000,
      frames: s.frames.length,
      frameP50Ms: percentile(s.frames, 50),
      frameP95Ms: percentile(s.frames, 95),
      frameMaxMs: Math.max(...s.frames),
      longTasks: s.longTasks.length,
      longTaskMaxMs: s.longTasks.length ? Math.max(...s.longTasks) : 0,
      domElements: nodes,
      lastRowDrawn: last === 1,
      online: onlineAtStart,
    };
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    if (process.argv.includes('--record')) {
      const f = (v: number) => v.toFixed(1);
      const file = recordSection('ui-scroll', [
        '## Devices view with many devices (renderer in Chromium, headless host)',
        '',
        `Command: \`npx tsx e2e/perf/devices-scroll.ts --devices ${N} --record\` on ${new Date().toISOString().slice(0, 10)}. ${N} simulated relays log in; once they are online the`,
        `list is wheel-scrolled from top to bottom (600 px steps, ${f(r.scrollSeconds)} s). Load average at the start: ${loadavg()[0]!.toFixed(1)} (shared machine).`,
        '',
        '| measure | value |',
        '|---|---|',
        `| frame interval p50 / p95 / max | ${f(r.frameP50Ms)} / ${f(r.frameP95Ms)} / ${f(r.frameMaxMs)} ms |`,
        `| long tasks (count, max) | ${r.longTasks}, ${r.longTaskMaxMs.toFixed(0)} ms |`,
        `| DOM elements in the page at the end | ${r.domElements} |`,
        `| sessions online when the scroll started | ${r.online} |`,
        `| last device drawn at the bottom | ${r.lastRowDrawn ? 'yes' : 'no'} |`,
      ]);
      log(`recorded in ${file}`);
    }
  } finally {
    await lab.stop();
  }
}

runProbe('devices-scroll', main);
