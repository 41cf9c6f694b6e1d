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
export function startDemo(core: Core, simPath: string, log: (line: string) => void): Demo | null {
  if (!existsSync(simPath)) {
    log(`demo: simulator not found at ${simPath}; build it with "npm run build:sim" (make -C firmware sim)`);
    return null;
  }
  const deviceArgs = (kind: string) =>
    DEMO_DEVICES.filter((d) => d.kind === kind).flatMap((d) => {
      const token = core.tokens.status(d.id) === 'none' ? core.tokens.create(d.id) : core.tokens.rotate(d.id);
      core.hub.registry.ensure(d.id);
      return ['--device', `${d.kind}:${d.id}:${token}`];
    });
  const base = ['--host', '127.0.0.1', '--port', String(core.tcpPort), '--rate', '1'];
  const groups = [
    [...base, ...deviceArgs('relay')],
    [...base, ...deviceArgs('sensor'), ...(core.udpPort !== null ? ['--udp'] : [])],
  ];
  core.hub.commands.audit('demo.start', null, { devices: DEMO_DEVICES.map((d) => d.id), udp: core.udpPort !== null });
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
