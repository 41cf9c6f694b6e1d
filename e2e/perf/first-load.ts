/**
 * Opening the panel on a slow device (a phone or a Raspberry Pi reaching the headless host over
 * Wi-Fi): Chromium's CPU slowed `--cpu` times and the network held to 20 Mbit/s with 20 ms of
 * latency (CDP emulation). Each round loads the panel in a fresh context and reports the first
 * contentful paint, the time to the first device row, the script bytes fetched by then, and the
 * time the Metrics view then takes to draw its first chart line. Not part of npm test:
 * `npx tsx e2e/perf/first-load.ts [--rounds 6] [--cpu 6] [--baseline DIR] [--record]`
 * (after `npm run build:renderer && npm run build:sim`). `--baseline DIR`: a checkout of another
 * revision, its host and UI (`git worktree add DIR REV`, `ln -s $PWD/node_modules DIR/`, `npm run
 * build:renderer` there), run beside this one and measured in turn with it, round by round.
 */
import { execFileSync } from 'node:child_process';
import { arg, argText, log, numbered, runProbe, startLab, type Lab } from './lab';
import { percentile } from './page-probes';
import { recordSection } from './record';

const ROUNDS = arg('rounds', 6);
const CPU = arg('cpu', 6);
const BASELINE = argText('baseline');
const BASELINE_NAME = BASELINE && execFileSync('git', ['-C', BASELINE, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();

interface Round {
  fcpMs: number;
  firstRowMs: number;
  scriptKiB: number;
  metricsMs: number;
  /** Content-Encoding of the entry script (none: as it is) */
  encoding: string;
}

async function measure(lab: Lab): Promise<Round> {
  const context = await lab.browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2.5e6, uploadThroughput: 1.25e6 });
    const scriptBytes: number[] = [];
    let counting = true;
    const encoding = page.waitForResponse(/\/assets\/index-[\w-]+\.js$/).then((r) => r.headers()['content-encoding'] ?? 'none');
    page.on('requestfinished', (request) => {
      if (!counting || request.resourceType() !== 'script') return;
      void request.sizes().then((s) => scriptBytes.push(s.responseBodySize));
    });
    const start = Date.now();
    await page.goto(lab.host.url);
    await page.locator('[data-testid^="device-row-"]').first().waitFor();
    const firstRowMs = Date.now() - start;
    counting = false;
    const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    await page.waitForTimeout(300); // sizes() resolve after the responses
    const metricsStart = Date.now();
    await page.getByTestId('nav-metrics').click();
    await page.locator('figure.chart path.recharts-line-curve').first().waitFor();
    return { fcpMs, firstRowMs, scriptKiB: scriptBytes.reduce((a, b) => a + b, 0) / 1024, metricsMs: Date.now() - metricsStart, encoding: await encoding };
  } finally {
    await context.close();
  }
}

async function main() {
  const lab = (root?: string) => startLab({ devices: 5, device: numbered('load-', 'sensor', 2), simArgs: ['--quiet', '--rate', '1'], root });
  const builds: { name: string; lab: Lab; rounds: Round[] }[] = [{ name: 'this build', lab: await lab(), rounds: [] }];
  if (BASELINE) builds.push({ name: `baseline (${BASELINE_NAME})`, lab: await lab(BASELINE), rounds: [] });
  try {
    for (const b of builds) await measure(b.lab); // a warm-up each: the host's first page, the simulators' logins
    for (let r = 0; r < ROUNDS; r++) {
      for (const b of builds) {
        const round = await measure(b.lab);
        b.rounds.push(round);
        log(`${b.name} round ${r + 1}: ${JSON.stringify(round)}`);
      }
    }
  } finally {
    for (const b of builds) await b.lab.stop();
  }
  // the median, and the range: a slowed CPU on a shared 2-core machine spreads the rounds
  const cell = (xs: number[]) => `${percentile(xs, 50).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  const rows = builds.map((b) => {
    const col = (k: Exclude<keyof Round, 'encoding'>) => cell(b.rounds.map((r) => r[k]));
    return `| ${b.name} | ${col('fcpMs')} | ${col('firstRowMs')} | ${col('scriptKiB')} (${[...new Set(b.rounds.map((r) => r.encoding))].join(', ')}) | ${col('metricsMs')} |`;
  });
  const table = ['| build | first contentful paint, ms | first device row, ms | scripts fetched by then, KiB (encoding) | Metrics: first chart line, ms |', '|---|---|---|---|---|', ...rows];
  process.stdout.write(`${table.join('\n')}\n`);
  if (process.argv.includes('--record')) {
    const command = `npx tsx e2e/perf/first-load.ts --rounds ${ROUNDS} --cpu ${CPU}${BASELINE ? ` --baseline ${BASELINE}` : ''} --record`;
    const file = recordSection('first-load', [
      '## Opening the panel on a slow device (renderer in Chromium, headless host)',
      '',
      `Command: \`${command}\` on ${new Date().toISOString().slice(0, 10)}. Chromium's CPU slowed ${CPU}x and the network held to 20 Mbit/s, 20 ms (CDP), a fresh context per round, 5 simulated sensors; median (range) of ${ROUNDS} rounds${BASELINE ? ', the builds taking turns' : ''}.`,
      '',
      ...table,
    ]);
    log(`recorded in ${file}`);
  }
}

runProbe('first-load', main);
