/**
 * Child process: the whole host as users run it (electron/core.ts, what the desktop app and the
 * headless host start): the broker with every feature on AND the hub behind it, which logs every
 * frame to a real SQLite file (in a temporary folder), keeps metrics, telemetry, conversations and
 * device state, and pushes to UIs when one listens. The 'hypertcp' child measures the broker with a
 * counting stand-in for the hub; this one says what the hub adds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCore } from '../../electron/core';
import { announceReady, serveCoordinator } from './child-ipc';
import { BENCH_LIMITS } from './limits';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-host-'));
const core = await startCore({
  dbPath: path.join(dir, 'hypertcp.db'),
  mode: 'headless',
  tcpPort: 0,
  broker: { limits: BENCH_LIMITS },
});

serveCoordinator(
  (m) => {
    if (m.type === 'tokens') return { type: 'tokens', tokens: Object.fromEntries(m.ids.map((id) => [id, core.tokens.create(id)])) };
    if (m.type === 'stats') return { type: 'stats', stats: { broker: core.broker.stats(), logged: core.hub.log.counters } };
    return null;
  },
  async () => {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  },
);

process.stderr.write(`host broker: ${core.broker.dataPathNote()}\n`);
announceReady(core.tcpPort);
