import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageStats, TrafficCounters } from '../../shared/api/contract';
import { startCore } from '../core';
import { tempDir } from './testing/temp-dir';

const writer = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const dyingWriter = fileURLToPath(new URL('./testing/dying-writer.ts', import.meta.url));
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

/** What testing/dying-writer.ts prints. */
interface Outcome {
  inCommit: boolean;
  waitedMs: number;
  saved: number;
  appended: number;
  counters: TrafficCounters;
  queued: number;
  stored: number;
  storedRows: number;
  newest: number;
  writer: StorageStats['writer'];
  notices: string[];
}

/** A wait that never ends blocks the child's event loop for good: past this it is killed and the test fails. */
const LIMIT_MS = 20_000;

async function runDyingWriter(mode: 'terminate' | 'exit' | 'hang', answerMs: number): Promise<{ outcome: Outcome; closed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', dyingWriter, `${tmp.dir}/${mode}.db`, mode, String(answerMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, LIMIT_MS);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!finished) throw new Error(`the hub was still blocked after ${LIMIT_MS / 1000} s (a wait for the writer thread that never ends); it printed: ${lines.join(' | ') || 'nothing'}`);
  const json = lines.find((line) => line.startsWith('{'));
  if (!json) throw new Error(`the scenario printed no outcome: ${lines.join(' | ')}`);
  return { outcome: JSON.parse(json) as Outcome, closed: lines.includes('CLOSED') };
}

/** What holds whatever killed the writer thread: the panel goes on, says so once, and loses nothing silently. */
function expectCarriedOn(o: Outcome, failure: RegExp): void {
  expect(o.inCommit).toBe(true); // the thread was inside a commit when it went
  expect(o.saved).toBe(3); // the save that waited for it went through
  expect(o.writer).toMatchObject({ mode: 'main', inFlight: 0 });
  expect(o.writer.failure).toMatch(failure);
  // every row appended is either in the file (logged) or counted as dropped
  expect(o.counters.logged + o.counters.dropped).toBe(o.appended);
  expect(o.counters).toMatchObject({ writing: 0 });
  expect(o.queued).toBe(0);
  expect(o.stored).toBe(o.counters.logged);
  expect(o.storedRows).toBe(o.stored);
  // rows after it are written on the main thread
  expect(o.newest).toBe(o.appended);
  const said = o.notices.filter((n) => n.includes('traffic log:'));
  expect(said).toEqual([expect.stringMatching(/^warn: traffic log: /)]);
  expect(said[0]).toMatch(failure);
  expect(said[0]).toContain('rows are written on the main thread instead');
  expect(said[0]).toContain(`the ${o.counters.dropped} rows it held and had not written are lost (counted as dropped)`);
}

describe('a traffic writer thread that dies or hangs inside a commit', () => {
  it('killed mid-commit (worker.terminate(): no event reaches a blocked loop): the save waiting for it goes on within the answer time, the hub carries on', async () => {
    const { outcome, closed } = await runDyingWriter('terminate', 1_000);
    expect(outcome.waitedMs).toBeLessThan(1_000 + 1_500);
    expectCarriedOn(outcome, /the writer thread did not finish a batch in 1 s and was stopped/);
    expect(closed).toBe(true);
  }, 30_000);

  it('exiting mid-commit (process.exit in the thread): the save waiting for it is woken at once, not at the answer time', async () => {
    const { outcome, closed } = await runDyingWriter('exit', 20_000);
    expect(outcome.waitedMs).toBeLessThan(5_000);
    expectCarriedOn(outcome, /the writer thread exited unexpectedly \(code 7\)/);
    expect(closed).toBe(true);
  }, 30_000);

  it('hanging mid-commit: it is stopped after the answer time, the save goes through, its rows are counted as dropped', async () => {
    const { outcome, closed } = await runDyingWriter('hang', 1_000);
    expect(outcome.waitedMs).toBeLessThan(1_000 + 1_500);
    expectCarriedOn(outcome, /the writer thread did not finish a batch in 1 s and was stopped/);
    expect(outcome.counters.dropped).toBeGreaterThan(0);
    expect(closed).toBe(true);
  }, 30_000);
});
