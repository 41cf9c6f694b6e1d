/**
 * The headless host: `npm run serve -- [flags]` (built to dist/host/cli.mjs by vite.host.config.ts). Prints one
 * `HYPERTCP_READY {...}` line on stdout when it serves (tests and scripts wait for it). The admin token is
 * in it (and in the URL) only on the start that generated it or with --print-token: stdout of a service
 * is often kept in a log (journald) that more people read than should hold the token.
 */
import { openLine, storedAdminToken, tokenGeneratedNotice, tokenHiddenNotice, tokenShown } from './admin-token';
import { USAGE, parseHostArgs, type HostConfig } from './config';
import { startDemo, type Demo } from './demo';
import { startHost } from './host';
import { tokenUrls } from './served-urls';
import { startupProblem } from './startup-error';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseHostArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (cfg === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (cfg.showToken) {
    const token = storedAdminToken(cfg);
    if (!token) {
      process.stderr.write('no admin token yet: the host has not started with this database (give the same --db or --config as the host)\n');
      process.exit(1);
    }
    const { urls, source } = tokenUrls(cfg, token);
    process.stdout.write(`${token}\n${urls.map((u) => `${u}\n`).join('')}`);
    // stderr: stdout stays the token and URLs, for scripts
    process.stderr.write(`(${source})\n`);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  started = cfg;
  const host = await startHost(cfg, log);
  let demo: Demo | null = null;
  if (cfg.demo) demo = startDemo(host.core, cfg.sim, log, cfg.demoDevices);
  // before HYPERTCP_READY: a supervisor (or a test) may send SIGTERM as soon as it reads that line
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: shutting down`);
    void (async () => {
      await demo?.stop();
      await host.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const generated = tokenGeneratedNotice(host);
  const showToken = tokenShown(cfg, generated !== null);
  const url = showToken ? host.url : host.http.origin;
  // behind a reverse proxy (--public-url) users open those; the token rides in them only when printed today
  const publicUrls = showToken ? host.publicUrls : cfg.publicUrls;
  const ready = {
    url, httpPort: host.http.port, tcpPort: host.core.tcpPort, udpPort: host.core.udpPort,
    ...(publicUrls.length ? { publicUrls } : {}), ...(showToken ? { adminToken: host.adminToken } : {}),
  };
  process.stdout.write(`HYPERTCP_READY ${JSON.stringify(ready)}\n`);
  process.stdout.write(
    `HyperTCP Panel is serving. ${openLine(url, publicUrls, host.http.origin)}\n  devices connect to ${cfg.brokerBind ?? cfg.bind}:${host.core.tcpPort}${host.core.udpPort !== null ? ` (UDP ${host.core.udpPort})` : ''}; database ${host.core.dbPath}; ${host.core.broker.dataPathNote()}` +
      (generated ? `\n  ${generated}` : '') +
      (showToken ? '' : `\n  ${tokenHiddenNotice(Boolean(cfg.adminToken))}`) +
      '\n',
  );
}

let started: HostConfig | null = null;
main().catch((err: unknown) => {
  const problem = started && startupProblem(err, started);
  process.stderr.write(`hypertcp host failed: ${problem ?? (err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
