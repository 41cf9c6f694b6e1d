import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '../core';
import { tempDir } from './testing/temp-dir';

const writer = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const tmp = tempDir('hypertcp-crash-');
afterAll(() => tmp.cleanup());

/** Starts the writer child, waits until it is committing, lets it write `ms` more, then SIGKILLs it. */
async function killDuringWrites(dbPath: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('writer never started writing')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'WRITING') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('kill -9 during writes', () => {
  it('leaves a database that opens, passes integrity_check and keeps committed data', async () => {
    const dbPath = `${tmp.dir}/crash.db`;
    let lastRows = 0;
    for (const ms of [150, 400, 700]) {
      await killDuringWrites(dbPath, ms);
      const raw = new Database(dbPath);
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = (raw.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
      const devices = (raw.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n;
      raw.close();
      expect(rows).toBeGreaterThan(lastRows);
      expect(devices).toBe(50);
      lastRows = rows;
    }
    // The app itself opens it again and continues numbering after the last committed row.
    const core = await startCore({ dbPath, tcpPort: 0, mode: 'headless' });
    const page = await core.api.dispatch('traffic.page', { limit: 1 });
    expect(page.ok && (page.result as { rows: { seq: number }[] }).rows[0]!.seq).toBe(lastRows);
    expect(core.hub.registry.get('crash-1')).toMatchObject({ online: false, lastDisconnectReason: 'shutdown' });
    await core.close();
  }, 60_000);
});
