import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
});
