/**
 * How much each view allocates while it sits under a steady load (the garbage that piles up until
 * a major GC: issue 7's heap peaks when leaving Metrics). Uses the heap sampling profiler with
 * objects collected by minor and major GCs included, so the total is what was allocated. Not part
 * of npm test: `npx tsx e2e/perf/view-allocation.ts [--rate 2000] [--devices 50] [--warm 8]
 * [--seconds 10] [--top 0] [--static DIR] [views...]` (a non-minified build via
 * `npx vite build --minify false --outDir DIR` makes --top N name the functions).
 */
import { chromium } from '@playwright/test';
import { HostApi, startHost } from '../fixtures/host';
import { startSim, type SimDevice } from '../fixtures/sim';

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
}
const RATE = Number(opt('rate') ?? 2000);
const DEVICES = Number(opt('devices') ?? 50);
const WARM_S = Number(opt('warm') ?? 8);
const SECONDS = Number(opt('seconds') ?? 10);
const TOP = Number(opt('top') ?? 0);
const STATIC = opt('static');
const VIEWS = argv.length ? argv : ['devices', 'traffic', 'metrics'];

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Total allocation, and the top functions by allocation including their callees. */
function summarize(head: ProfileNode): { total: number; top: [string, number][] } {
  const inclusive = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode, stack: Set<string>): number => {
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    total += n.selfSize;
    const inner = new Set(stack).add(key);
    let sum = n.selfSize;
    for (const c of n.children) sum += walk(c, inner);
    if (!stack.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    return sum;
  };
  walk(head, new Set());
  return { total, top: [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, TOP) };
}

// a closed pipe (`| head`) must not kill the script before it stops its host and simulator
process.stdout.on('error', () => undefined);

async function main() {
  const host = await startHost(STATIC ? ['--static', STATIC] : []);
  const api = await HostApi.connect(host);
  const devices: SimDevice[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const id = `alloc-s${String(i).padStart(3, '0')}`;
    devices.push({ kind: 'sensor', id, token: (await api.call('tokens.create', { id })).token });
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH === 'playwright' ? undefined : process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const sim = startSim(host.tcpPort, devices, ['--rate', String(RATE / DEVICES), '--quiet']);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await page.goto(host.url);
    await page.getByTestId('host-status').and(page.locator('[data-status="open"]')).waitFor();
    await cdp.send('HeapProfiler.enable');
    for (const view of VIEWS) {
      await page.getByTestId(`nav-${view}`).click();
      await page.waitForTimeout(WARM_S * 1000);
      // both flags exist in current Chromium; the protocol types of this Playwright may lag
      await cdp.send('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
      await page.waitForTimeout(SECONDS * 1000);
      const { profile } = (await cdp.send('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
      const { total, top } = summarize(profile.head);
      process.stdout.write(`${view}: ${(total / 2 ** 20 / SECONDS).toFixed(1)} MiB/s allocated (${RATE} msg/s, ${DEVICES} devices)\n`);
      for (const [k, v] of top) process.stdout.write(`  ${(v / 2 ** 20).toFixed(2)} MiB ${k}\n`);
    }
  } finally {
    await browser.close();
    await sim.stop();
    api.close();
    await host.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`view-allocation failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
