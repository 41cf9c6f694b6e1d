import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessMeter, peakRssBytes, resetPeakRss, rssBytes } from './proc';

const MiB = 2 ** 20;

// A Node child that, per line on stdin, takes 64 MiB ('take') or lets it go ('free': answered once
// its RSS is back down, as V8 returns a large buffer's memory to the system a little later).
const CHILD = `
let held = null, base = process.memoryUsage.rss();
const answer = () => process.stdout.write('ok\\n');
const freed = (tries) => {
  globalThis.gc();
  if (process.memoryUsage.rss() < base + 16 * 2 ** 20 || tries === 0) answer();
  else setTimeout(() => freed(tries - 1), 20);
};
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'take') { base = process.memoryUsage.rss(); held = Buffer.alloc(64 * 2 ** 20, 1); answer(); }
  if (line === 'free') { held = null; freed(100); }
});
process.stdout.write('ok\\n');`;

let child: ChildProcessWithoutNullStreams | null = null;

async function ask(line?: string): Promise<void> {
  const answered = once(child!.stdout, 'data');
  if (line) child!.stdin.write(`${line}\n`);
  await answered;
}

afterEach(() => {
  child?.kill();
  child = null;
});

// The meter reads /proc, as the bench does: Linux only.
const linux = process.platform === 'linux';
if (!linux) console.log(`proc.test: skipped, /proc/<pid>/status and clear_refs are Linux's (this is ${process.platform})`);

describe.skipIf(!linux)('ProcessMeter (Linux /proc)', () => {
  it('reports the peak of the window from the kernel record, not one from before it', async () => {
    child = spawn(process.execPath, ['--expose-gc', '-e', CHILD]);
    await ask();
    await ask('take');
    await ask('free');
    const before = peakRssBytes(child.pid!);
    expect(before - rssBytes(child.pid!)).toBeGreaterThan(48 * MiB); // the 64 MiB came and went

    expect(resetPeakRss(child.pid!)).toBe(true);
    const meter = new ProcessMeter(child.pid!);
    meter.start();
    const quiet = meter.stop();
    expect(quiet.peakRss).toBeLessThan(before - 48 * MiB);

    meter.start();
    await ask('take');
    await ask('free');
    const busy = meter.stop();
    expect(busy.peakRss - quiet.peakRss).toBeGreaterThan(48 * MiB); // the peak inside the window, though freed by stop()
    expect(busy.cpuS).toBeGreaterThan(0);
  });
});
