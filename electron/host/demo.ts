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
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the firmware simulator with a few relays and sensors against the running broker. Their
 * tokens are issued (or re-issued) here and passed on the simulator's command line: fine for a
 * local demo, never for real devices.
 */
export function startDemo(core: Core, simPath: string, log: (line: string) => void): Demo | null {
  if (!existsSync(simPath)) {
    log(`demo: simulator not found at ${simPath}; build it with "npm run build:sim" (make -C firmware sim)`);
    return null;
  }
  const args = ['--host', '127.0.0.1', '--port', String(core.tcpPort), '--rate', '1'];
  for (const d of DEMO_DEVICES) {
    const token = core.tokens.status(d.id) === 'none' ? core.tokens.create(d.id) : core.tokens.rotate(d.id);
    core.hub.registry.ensure(d.id);
    args.push('--device', `${d.kind}:${d.id}:${token}`);
  }
  core.hub.commands.audit('demo.start', null, { devices: DEMO_DEVICES.map((d) => d.id) });
  const child = spawn(simPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Bounded: the simulator prints one line per event; only the first few are echoed.
  let echoed = 0;
  const echo = (line: string) => {
    if (echoed++ < 20) log(`sim: ${line.slice(0, 200)}`);
  };
  createInterface({ input: child.stdout! }).on('line', echo);
  createInterface({ input: child.stderr! }).on('line', echo);
  child.on('exit', (code, signal) => log(`demo: simulator exited (${signal ?? code})`));
  child.on('error', (err) => log(`demo: simulator failed: ${err.message}`));
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
