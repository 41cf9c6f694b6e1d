/**
 * The set-up the perf probes share: a headless host, a token per simulated device, the simulator
 * (split per SIM_MAX_DEVICES), and Chromium; `stop()` takes it all down again. Plus the probes'
 * command-line parsing, their stderr log and their exit on failure.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { HostApi, startHost, type HostProcess } from '../fixtures/host';
import { SIM_MAX_DEVICES, startSim, type Sim, type SimDevice } from '../fixtures/sim';

export const log = (s: string) => process.stderr.write(`${s}\n`);

/** The value after `--name` on the command line, or undefined when the flag or its value is missing. */
export function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** `--name N` as a number, `def` when absent. */
export function arg(name: string, def: number): number {
  const v = argText(name);
  return v === undefined ? def : Number(v);
}

/** The command-line words that are neither a flag nor the value of one of `valued` (`--name value`). */
export function positionals(valued: string[]): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i]!.startsWith('--')) i += valued.includes(argv[i]!.slice(2)) ? 1 : 0;
    else out.push(argv[i]!);
  }
  return out;
}

/** Device `i` of `n`: `${prefix}${i}` with i zero-padded to `pad` digits. */
export const numbered =
  (prefix: string, kind: SimDevice['kind'], pad = 3) =>
  (i: number): Omit<SimDevice, 'token'> => ({ kind, id: `${prefix}${String(i).padStart(pad, '0')}` });

/** The UI-under-load lab (bench:ui, the DOM census): device 0 a relay the probes toggle, the rest sensors. */
export const LOAD_RELAY = 'bench-relay';
export const loadLabDevice = (i: number): Omit<SimDevice, 'token'> => (i === 0 ? { kind: 'relay', id: LOAD_RELAY } : { kind: 'sensor', id: `bench-s${String(i).padStart(3, '0')}` });

/** Starts the load lab's simulators: `rate` msg/s spread over its sensors; resolves once the relay is connected. */
export async function startLoad(lab: Lab, rate: number, durationS: number): Promise<{ sensors: number; perSensor: number }> {
  const sensors = lab.devices.length - 1;
  const perSensor = Math.ceil(rate / sensors);
  const [sim] = lab.startSims(['--rate', String(perSensor), '--quiet', '--duration', String(durationS)]);
  await sim!.out.waitFor(new RegExp(`${LOAD_RELAY} connected`), 30_000);
  return { sensors, perSensor };
}

export interface LabOptions {
  devices: number;
  /** kind and id of device i */
  device: (i: number) => Omit<SimDevice, 'token'>;
  /** simulator arguments (`--rate`, `--quiet`, ...): the simulator starts with the lab; omitted, the probe calls `startSims` itself */
  simArgs?: string[];
  /** extra host CLI arguments (e.g. `--static DIR`) */
  hostArgs?: string[];
  /** extra Chromium arguments */
  browserArgs?: string[];
  /** another checkout whose host and built UI to run (first-load.ts's baseline); this one by default */
  root?: string;
}

export interface Lab {
  host: HostProcess;
  api: HostApi;
  browser: Browser;
  devices: SimDevice[];
  /** the simulators started so far, one per SIM_MAX_DEVICES devices */
  sims: Sim[];
  startSims(args: string[]): Sim[];
  /** a page at the size every probe measures with */
  newPage(): Promise<Page>;
  /** loads the panel and waits until its API connection is open */
  open(page: Page): Promise<void>;
  stop(): Promise<void>;
}

/** labs not stopped yet: `runProbe` stops them when a probe fails half-way */
const running = new Set<() => Promise<void>>();

export async function startLab(o: LabOptions): Promise<Lab> {
  // a closed pipe (`| head`) must not kill the script before it stops its host and simulator
  process.stdout.on('error', () => undefined);
  const host = await startHost(o.hostArgs ?? [], undefined, o.root);
  const sims: Sim[] = [];
  let api: HostApi | undefined;
  let browser: Browser | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    running.delete(stop);
    stopped ??= (async () => {
      await browser?.close();
      for (const sim of sims) {
        if (sim.child.exitCode) log(`simulator exited ${sim.child.exitCode}: ${sim.err.lines.slice(-3).join(' / ')}`);
        await sim.stop();
      }
      api?.close();
      await host.stop();
    })();
    return stopped;
  };
  running.add(stop);
  try {
    api = await HostApi.connect(host);
    const devices: SimDevice[] = [];
    for (let i = 0; i < o.devices; i++) {
      const d = o.device(i);
      devices.push({ ...d, token: (await api.call('tokens.create', { id: d.id })).token });
    }
    const startSims = (args: string[]) => {
      for (let d = 0; d < devices.length; d += SIM_MAX_DEVICES) sims.push(startSim(host.tcpPort, devices.slice(d, d + SIM_MAX_DEVICES), args));
      return sims;
    };
    if (o.simArgs) startSims(o.simArgs);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH === 'playwright' ? undefined : process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync', ...(o.browserArgs ?? [])],
    });
    const b = browser;
    return {
      host,
      api,
      browser: b,
      devices,
      sims,
      startSims,
      newPage: () => b.newPage({ viewport: { width: 1400, height: 900 } }),
      open: async (page) => {
        await page.goto(host.url);
        await page.getByTestId('host-status').and(page.locator('[data-status="open"]')).waitFor();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs a probe's main; on failure says `NAME failed: ...` on stderr, stops the labs still running and exits 1. */
export function runProbe(name: string, main: () => Promise<void>): void {
  main().catch(async (err: unknown) => {
    log(`${name} failed: ${(err as Error)?.stack ?? String(err)}`);
    await Promise.allSettled([...running].map((stop) => stop()));
    process.exit(1);
  });
}
