import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { V2Client } from './testing/v2-client';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('the broker alone from the command line', () => {
  it('--help prints the usage and exits 0; a bad flag or number exits 2 with the reason, no stack trace', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsx electron\/broker\/cli.ts/);
    for (const [args, reason] of [[['--nope'], "Unknown option '--nope'"], [['--port', 'x'], '--port must be a whole number, got "x"']] as const) {
      const bad = run(...args);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(reason);
      expect(bad.stderr).toContain('Usage:');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
  }, 30_000);

  it('--broadcast-rate sets the per-device broadcast limit: past its burst (twice the rate) a broadcast is RATE_LIMITED', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--device', 'a', '--device', 'b', '--broadcast-rate', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      let ready: { port: number; tokens: Record<string, string> } | null = null;
      for await (const line of lines) {
        if (line.startsWith('HYPERTCP_BROKER_READY ')) {
          ready = JSON.parse(line.slice('HYPERTCP_BROKER_READY '.length));
          break;
        }
      }
      expect(ready).not.toBeNull();
      const a = await V2Client.connect(ready!.port);
      const b = await V2Client.connect(ready!.port);
      try {
        expect(await a.login(ready!.tokens.a!)).toBe(Status.SUCCESS);
        expect(await b.login(ready!.tokens.b!)).toBe(Status.SUCCESS);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push(await a.broadcast(`{"n":${i}}`));
        expect(statuses).toEqual([Status.SUCCESS, Status.SUCCESS, Status.SUCCESS, Status.SUCCESS, Status.RATE_LIMITED]);
      } finally {
        a.destroy();
        b.destroy();
      }
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }, 30_000);
});
