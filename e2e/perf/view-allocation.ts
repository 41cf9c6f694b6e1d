/**
 * How much each view allocates while it sits under a steady load (the garbage that piles up until
 * a major GC: issue 7's heap peaks when leaving Metrics). Uses the heap sampling profiler with
 * objects collected by minor and major GCs included, so the total is what was allocated. Not part
 * of npm test: `npx tsx e2e/perf/view-allocation.ts [--rate 2000] [--devices 50] [--warm 8]
 * [--seconds 10] [--top 0] [--static DIR] [views...]` (a non-minified build via
 * `npx vite build --minify false --outDir DIR` makes --top N name the functions).
 */
import { arg, argText, numbered, positionals, runProbe, startLab } from './lab';

const RATE = arg('rate', 2000);
const DEVICES = arg('devices', 50);
const WARM_S = arg('warm', 8);
const SECONDS = arg('seconds', 10);
const TOP = arg('top', 0);
const STATIC = argText('static');
const views = positionals(['rate', 'devices', 'warm', 'seconds', 'top', 'static']);
const VIEWS = views.length ? views : ['devices', 'traffic', 'metrics'];

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

async function main() {
  const lab = await startLab({
    devices: DEVICES,
    device: numbered('alloc-s', 'sensor'),
    simArgs: ['--rate', String(RATE / DEVICES), '--quiet'],
    hostArgs: STATIC ? ['--static', STATIC] : [],
  });
  try {
    const page = await lab.newPage();
    const cdp = await page.context().newCDPSession(page);
    await lab.open(page);
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
    await lab.stop();
  }
}

runProbe('view-allocation', main);
