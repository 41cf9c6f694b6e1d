import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Core } from '../core';

export const DEMO_DEVICES = [
  { kind: 'relay', id: 'lamp-1' },
  { kind: 'relay', id: 'heater-1' },
  { kind: 'relay', id: 'pump-1' },
  { kind: 'sensor', id: 'greenhouse-1' },
  { kind: 'sensor', id: 'garage-1' },
] as const;

/** Bounds of --demo-devices: 1..500 keeps one simulator process per kind well under its 1,000. */
export const MIN_DEMO_DEVICES = 1;
export const MAX_DEMO_DEVICES = 500;

export interface DemoDevice {
  kind: 'relay' | 'sensor';
  id: string;
}

/**
 * The simulated lab of `count` devices: the five named ones first (so the default lab is what it
 * always was), then relay-006, sensor-007, relay-008... alternating, for a large lab.
 */
export function demoDevices(count: number = DEMO_DEVICES.length): DemoDevice[] {
  if (!Number.isInteger(count) || count < MIN_DEMO_DEVICES || count > MAX_DEMO_DEVICES) {
    throw new RangeError(`demo devices must be a whole number from ${MIN_DEMO_DEVICES} to ${MAX_DEMO_DEVICES}, got ${count}`);
  }
  const list: DemoDevice[] = DEMO_DEVICES.slice(0, count).map((d) => ({ ...d }));
  for (let n = list.length + 1; n <= count; n++) {
    const kind = n % 2 === 0 ? 'relay' : 'sensor';
    list.push({ kind, id: `${kind}-${String(n).padStart(3, '0')}` });
  }
  return list;
}

export interface Demo {
  children: ChildProcess[];
  stop(): Promise<void>;
}

/** Echoes at most this many simulator lines in all: enough to see the devices come up. */
const ECHO_LINES = 20;

/**
 * Starts the firmware simulator with a few relays and sensors against the running broker: the
 * relays over TCP, the sensors with a UDP session beside it when the host has UDP (telemetry as
 * datagrams, as the protocol intends). Their tokens are issued (or re-issued) here and passed on
 * the simulator's command line: fine for a local demo, never for real devices.
 */
export function startDemo(core: Core, simPath: string, log: (line: string) => void, count: number = DEMO_DEVICES.length): Demo | null {
  if (!existsSync(simPath)) {
    log(`demo: simulator not found at ${simPath}; build it with "npm run build:sim" (make -C firmware sim)`);
    return null;
  }
  const lab = demoDevices(count);
  const deviceArgs = (kind: string) =>
    lab.filter((d) => d.kind === kind).flatMap((d) => {
      const token = core.tokens.status(d.id) === 'none' ? core.tokens.create(d.id) : core.tokens.rotate(d.id);
      core.hub.registry.ensure(d.id);
      return ['--device', `${d.kind}:${d.id}:${token}`];
    });
  const base = ['--host', '127.0.0.1', '--port', String(core.tcpPort), '--rate', '1'];
  const relays = deviceArgs('relay');
  const sensors = deviceArgs('sensor');
  // a kind with no device gets no simulator (it refuses to start without a --device)
  const groups = [relays.length ? [...base, ...relays] : null, sensors.length ? [...base, ...sensors, ...(core.udpPort !== null ? ['--udp'] : [])] : null].filter((g) => g !== null);
  // the first 20 ids and the count: a 500-device lab does not need 500 ids in one audit row
  core.hub.commands.audit('demo.start', null, { count: lab.length, devices: lab.slice(0, 20).map((d) => d.id), udp: core.udpPort !== null });
  let echoed = 0;
  const echo = (line: string) => {
    if (echoed++ < ECHO_LINES) log(`sim: ${line.slice(0, 200)}`);
  };
  const children = groups.map((args) => {
    const child = spawn(simPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: child.stdout! }).on('line', echo);
    createInterface({ input: child.stderr! }).on('line', echo);
    child.on('exit', (code, signal) => log(`demo: simulator exited (${signal ?? code})`));
    child.on('error', (err) => log(`demo: simulator failed: ${err.message}`));
    return child;
  });
  return { children, stop: () => Promise.all(children.map(stopChild)).then(() => undefined) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
